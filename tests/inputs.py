"""Small input files for the tests: a units file and a measures file, as the contract shapes them."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

UNIT_HEADER = ("unit_code", "name_vi", "name_en", "parent_code", "kind")
MEASURE_HEADER = ("unit_code", "year", "period", "org_type", "measure", "value", "qualifier", "source")


def write_inputs(folder: Path, units: Sequence[tuple], facts: Sequence[tuple]) -> list[Path]:
    """units.csv and measures.csv in `folder`, rows in the order of UNIT_HEADER and MEASURE_HEADER."""
    paths = [folder / "units.csv", folder / "measures.csv"]
    for path, header, rows in zip(paths, (UNIT_HEADER, MEASURE_HEADER), (units, facts), strict=True):
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([header, *rows])
    return paths
