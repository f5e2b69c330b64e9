"""Databases the dashboard tests run against (built once per test session) and an AppTest runner."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from etl.demo import write_demo
from etl.load import load

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
SCHEMA = (ROOT / "core" / "schema.sql").read_text(encoding="utf-8")
_built: dict[str, Path] = {}


def sample_db(factory: pytest.TempPathFactory) -> Path:
    """The real sample: Hải Dương 2022, Tây Sơn 2021–2023, the Thanh Hóa bloc."""
    if "sample" not in _built:
        db = factory.mktemp("dash-sample") / "sample.duckdb"
        load([SAMPLE / "units.csv", SAMPLE / "measures.csv"], db)
        _built["sample"] = db
    return _built["sample"]


def demo_db(factory: pytest.TempPathFactory) -> Path:
    """The sample plus the synthetic province (15 districts and blocs under DEMO-P01)."""
    if "demo" not in _built:
        root = factory.mktemp("dash-demo")
        write_demo(root / "demo", scale="province", seed=2025)
        db = root / "demo.duckdb"
        load([SAMPLE / "units.csv", SAMPLE / "measures.csv", root / "demo" / "units.csv",
              root / "demo" / "measures.csv"], db)
        _built["demo"] = db
    return _built["demo"]


# Two provinces under the country. Tỉnh Thử has no figure of its own: its department-level leaders' rate is its
# district's, whose 2022 report writes 91% for 54/60 (90,0%); Tỉnh Đối Chứng's own figures contradict nothing.
TOTALS_UNITS = [("VN", "Toàn quốc", "Country", "", "country"),
                ("P", "Tỉnh Thử", "Test Province", "VN", "province"),
                ("D", "Đảng bộ huyện Thử", "Test District", "P", "district"),
                ("Q", "Tỉnh Đối Chứng", "Control Province", "VN", "province")]
TOTALS_FACTS = [
    ("D", 2021, "Y", "", "dept_leaders_rated", 60, "", "BC 2021"),
    ("D", 2021, "Y", "", "dept_leaders_good_or_better", 57, "", "BC 2021"),
    ("D", 2022, "Y", "", "dept_leaders_rated", 60, "", "BC 2022"),
    ("D", 2022, "Y", "", "dept_leaders_good_or_better", 54, "", "BC 2022"),
    ("D", 2022, "Y", "", "dept_leaders_good_or_better_rate", 91, "", "BC 2022, tr. 2"),
    ("Q", 2021, "Y", "", "dept_leaders_rated", 40, "", "BC Q 2021"),
    ("Q", 2021, "Y", "", "dept_leaders_good_or_better", 39, "", "BC Q 2021"),
    ("Q", 2022, "Y", "", "dept_leaders_rated", 40, "", "BC Q 2022"),
    ("Q", 2022, "Y", "", "dept_leaders_good_or_better", 38, "", "BC Q 2022"),
]


def totals_db(factory: pytest.TempPathFactory) -> Path:
    """A total that includes a contradicted figure of a unit below, shown as a row (the country's provinces)."""
    if "totals" not in _built:
        from tests.inputs import write_inputs

        root = factory.mktemp("dash-totals")
        load(write_inputs(root, TOTALS_UNITS, TOTALS_FACTS), root / "totals.duckdb")
        _built["totals"] = root / "totals.duckdb"
    return _built["totals"]


def empty_db(factory: pytest.TempPathFactory) -> Path:
    """A database with the schema and no rows at all."""
    if "empty" not in _built:
        db = factory.mktemp("dash-empty") / "empty.duckdb"
        with duckdb.connect(str(db)) as con:
            con.execute(SCHEMA)
        _built["empty"] = db
    return _built["empty"]


def run_app(monkeypatch: pytest.MonkeyPatch, db: Path, page: str | None = None, **params: str) -> AppTest:
    """Run app.py on `db` with these query parameters, then switch to `page` (screens/<page>.py)."""
    monkeypatch.setenv("MONITOR_DB", str(db))
    monkeypatch.delenv("MONITOR_UPLOADS", raising=False)
    monkeypatch.delenv("MONITOR_AUTH", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(params)
    at.run()
    if page is not None:
        assert not at.exception, [e.value for e in at.exception]
        at.switch_page(f"screens/{page}.py").run()
    return at


def texts(at: AppTest) -> str:
    """Everything the page printed as text, for 'does the reader see …' assertions."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                                  "error", "success") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def frames(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def plotly_array(value: object) -> list:
    """A trace array from a figure's JSON: Plotly writes numeric arrays as typed base64 ('bdata')."""
    if isinstance(value, dict) and "bdata" in value:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)  # type: ignore[call-overload]
