"""Every code and threshold of the method has one home: statuses, periods and thresholds in indicators.yaml
(checked by the catalogue), qualifiers and comparators in core.catalog. The code reads them there and
writes no copy; a threshold changed there changes what the code does."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from core.catalog import (
    BOUNDS,
    COMPARATORS,
    DEFAULT_PATH,
    FREQUENCIES,
    QUALIFIERS,
    Catalog,
    CatalogError,
    default_catalog,
    load_catalog,
)
from core.checks import FACT_COLUMNS, run_checks
from core.i18n import HEADLINE_STATUSES, STATUS_CODES
from monitor.attainment import YEARLY_STATUS
from monitor.committee import ASSERTED
from monitor.overview import headline_codes

ROOT = Path(__file__).resolve().parent.parent
CODE = sorted([ROOT / "app.py", *(p for d in ("core", "etl", "monitor", "screens") for p in (ROOT / d).rglob("*.py"))])


SQL_LIST = re.compile(r"\(\s*'[^']*'(?:\s*,\s*'[^']*')+\s*\)")


def _literals() -> list[tuple[str, int, tuple[str, ...]]]:
    """Every tuple, list or set written in the code whose items are all strings, and every SQL list of
    strings ('a', 'b') written in its text: (file, line, items)."""
    out = []
    for path in CODE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = (str(path.relative_to(ROOT)), getattr(node, "lineno", 0))
            if isinstance(node, ast.Tuple | ast.List | ast.Set) and len(node.elts) > 1 and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
                out.append((*where, tuple(e.value for e in node.elts)))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                out += [(*where, tuple(re.findall(r"'([^']*)'", m))) for m in SQL_LIST.findall(node.value)]
    return out


def test_each_code_list_is_written_once() -> None:
    cat = default_catalog()
    lists = {"qualifiers": set(QUALIFIERS), "comparators": set(COMPARATORS), "frequencies": set(FREQUENCIES),
             "bounds": set(BOUNDS), "statuses": set(cat.statuses), "always shown": set(cat.always_shown),
             "assertable": set(cat.assertable), "assertable or none": {"", *cat.assertable},
             "headline statuses": set(cat.headline_statuses), "periods": set(cat.periods)}
    found: dict[str, list[str]] = {name: [] for name in lists}
    for where, line, items in _literals():
        for name, codes in lists.items():
            if set(items) == codes:
                found[name].append(f"{where}:{line}")
    # qualifiers, comparators and frequencies: core.catalog's (the last two as its Literal types); the
    # rest: none, they are indicators.yaml's
    home = {name: [f for f in found[name] if f.startswith("core/catalog.py:")][:1] for name in found}
    assert found == home
    assert [name for name, where in home.items() if where] == ["qualifiers", "comparators", "frequencies"]


def test_no_threshold_is_written_in_the_code() -> None:
    names = {"ON_TRACK", "ACCELERATE", "YOY_RATE_POINTS", "YOY_MIN_BASE", "YOY_COUNT_FACTOR", "PERIOD_ORDER",
             "STATUSES"}
    written = [f"{p.relative_to(ROOT)}:{n.lineno}" for p in CODE
               for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
               if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id in names]
    assert written == []


def test_the_codes_the_code_uses_are_the_catalogues() -> None:
    cat = default_catalog()
    assert STATUS_CODES == cat.statuses == ("achieved", "met_latest", "on_track", "accelerate", "off_track",
                                            "missed", "to_verify", "insufficient", "undecided", "no_data")
    assert HEADLINE_STATUSES == cat.headline_statuses == cat.statuses[:7]
    assert set(YEARLY_STATUS.values()) <= set(cat.statuses)
    assert cat.always_shown == cat.assertable == ("achieved", "on_track", "accelerate", "off_track")
    assert BOUNDS == (">", "<", "~")
    assert ("", *cat.assertable) == ASSERTED
    assert headline_codes(dict.fromkeys(cat.statuses, 0)) == list(cat.always_shown)
    assert headline_codes({"to_verify": 2}) == [*cat.always_shown, "to_verify"]
    assert tuple(cat.periods) == ("Y", "TD", "H1")
    assert (cat.method.progress.on_track, cat.method.progress.accelerate) == (0.95, 0.10)
    yoy = cat.method.year_over_year
    assert (yoy.rate_points, yoy.min_base, yoy.count_factor) == (25, 20, 10)


def _catalog(tmp_path: Path, change) -> Catalog:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_catalog(path)


def _set(path: str, value):
    def change(data: dict) -> None:
        *keys, last = path.split(".")
        for k in keys:
            data = data[k]
        data[last] = value
    return change


@pytest.mark.parametrize(("path", "value", "message"), [
    ("method.progress.on_track", 1.5, "method.progress.on_track: Input should be less than or equal to 1"),
    ("method.progress.on_track", "fast", "method.progress.on_track: Input should be a valid number"),
    ("method.progress.accelerate", -0.1, "method.progress.accelerate: Input should be greater than or equal to 0"),
    ("method.progress.accelerate", 0.95, "method.progress: Value error, expected accelerate < on_track"),
    ("method.year_over_year.rate_points", 0, "method.year_over_year.rate_points: Input should be greater than 0"),
    ("method.year_over_year.count_factor", 1, "method.year_over_year.count_factor: Input should be greater than 1"),
    ("method.year_over_year.min_base", -5, "method.year_over_year.min_base: Input should be greater than or equal"),
    ("method.progress.ahead", 1.2, "method.progress.ahead: Extra inputs are not permitted"),
    ("method.statuses", [{"id": "achieved"}, {"id": "achieved"}], "method.statuses: Value error, duplicate status"),
    ("method.statuses", [], "method.statuses: Tuple should have at least 1 item"),
])
def test_a_bad_method_is_a_catalogue_error(tmp_path: Path, path: str, value, message: str) -> None:
    with pytest.raises(CatalogError) as err:
        _catalog(tmp_path, _set(path, value))
    assert message in str(err.value)


def test_a_missing_method_or_a_period_twice_is_a_catalogue_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"indicators.yaml: method: Field required"):
        _catalog(tmp_path, lambda d: d.pop("method"))
    with pytest.raises(CatalogError, match=r"^periods.Y: duplicate id$"):
        _catalog(tmp_path, lambda d: d["periods"].append(d["periods"][0]))


# 90% → 65% of 100 members: 25 points, not more than 25: no warning; more than 20
FACTS = [("A", 2021, "Y", "", "member_rated", 100.0, 0, "", "BC 2021"),
         ("A", 2021, "Y", "", "member_good_or_better", 90.0, 0, "", "BC 2021"),
         ("A", 2022, "Y", "", "member_rated", 100.0, 0, "", "BC 2022"),
         ("A", 2022, "Y", "", "member_good_or_better", 65.0, 0, "", "BC 2022"),
         # 15 → 120 admitted: ×8, not ×10; the larger is 120, above 20 and below 150
         ("A", 2021, "Y", "", "admitted", 15.0, 0, "", "BC 2021"),
         ("A", 2022, "Y", "", "admitted", 120.0, 0, "", "BC 2022")]


def _warnings(catalog: Catalog) -> list[tuple]:
    out = []
    for prefilter in (True, False):
        con = duckdb.connect()
        con.register("_f", pd.DataFrame(FACTS, columns=[c.strip() for c in FACT_COLUMNS.split(",")]))
        con.execute("CREATE TABLE facts AS SELECT * FROM _f")
        found = run_checks(con, catalog, prefilter=prefilter)
        out.append(sorted((r.rule, r.measure, r.year) for r in found.itertuples()))
    assert out[0] == out[1]  # the pre-filter reads the same thresholds as the queries
    return out[0]


def test_the_checks_read_their_thresholds_from_the_catalogue(tmp_path: Path) -> None:
    assert _warnings(default_catalog()) == []

    def lower(data: dict) -> None:
        data["method"]["year_over_year"] = {"rate_points": 20, "min_base": 20, "count_factor": 8}

    assert _warnings(_catalog(tmp_path, lower)) == [
        ("yoy_count_jump", "admitted", 2022), ("yoy_rate_jump", "member_good_or_better_rate", 2022)]

    def higher_base(data: dict) -> None:
        data["method"]["year_over_year"] = {"rate_points": 20, "min_base": 150, "count_factor": 8}

    assert _warnings(_catalog(tmp_path, higher_base)) == []
