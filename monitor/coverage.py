"""What an upload covers, and what each unit has still to send for a year. No Streamlit here.

Before she loads a file the officer sees which units and years it holds (a wrong unit code or year
shows at once); for a year she gets, unit by unit, the targets that cannot be computed yet and the
figures they need, to send to the units late with their reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from core.catalog import Catalog


def covers(rows: pd.DataFrame, names: Mapping[str, str]) -> list[tuple[str, str, list[int]]]:
    """(unit code, name, years) of the figures in checked rows, in the order of the units' names."""
    if rows.empty or "unit_code" not in rows or "year" not in rows:
        return []
    years: dict[str, set[int]] = {}
    for unit, year in zip(rows["unit_code"], rows["year"], strict=True):
        unit, year = str(unit).strip(), str(year).strip()
        if unit and year.isdigit():
            years.setdefault(unit, set()).add(int(year))
    return sorted(((u, names.get(u, u), sorted(y)) for u, y in years.items()), key=lambda x: (x[1], x[0]))


MISSING_COLUMNS = ("unit_code", "unit", "indicator", "needs")


def missing(db: Path, catalog: Catalog, units: Sequence[tuple[str, str, str]], year: int,
            lang: str = "vi") -> pd.DataFrame:
    """For each (code, name, kind) unit, the targets of `year` its figures cannot give yet and the figures
    they need (by name, in `lang`). A target is given by its stated rate, or by its counts (a sum such as
    good or better by its parts), summed over organisation types or not."""
    with duckdb.connect(str(db), read_only=True) as con:
        held = con.execute("""SELECT DISTINCT unit_code, measure FROM facts
                              WHERE year = $y AND period = 'Y' AND list_contains($u, unit_code)""",
                           {"y": year, "u": [u for u, _, _ in units]}).fetchall()
    have: dict[str, set[str]] = {}
    for unit, measure in held:
        have.setdefault(unit, set()).add(measure)
    records = []
    for code, name, kind in units:
        present = have.get(code, set())

        def given(m: str, present: set[str] = present) -> bool:
            measure = catalog.measures.get(m)
            return m in present or (measure is not None and bool(measure.derived_sum)
                                    and all(given(p) for p in measure.derived_sum))

        seen: set[str] = set()
        for _, target in catalog.targets_for(code, kind):
            ind = catalog.indicators.get(target.indicator)
            if ind is None or ind.id in seen or ind.id in present:
                continue
            seen.add(ind.id)
            needs = [m for m in dict.fromkeys([*ind.numerator, *ind.denominator]) if not given(m)]
            if needs:
                records.append({"unit_code": code, "unit": name, "indicator": ind.name(lang),
                                "needs": "; ".join(catalog.measures[m].name(lang) for m in needs)})
    return pd.DataFrame.from_records(records, columns=list(MISSING_COLUMNS))
