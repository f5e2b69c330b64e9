"""Issue 20, a command line that starts at once: the fast YAML reader reads what the slow one reads,
`python -m etl --help` imports none of the heavy libraries, and a CSV load neither pandas nor pyarrow (the
timings live in benchmarks/bench_cli.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from core.catalog import _SAFE_LOADER, DEFAULT_PATH, default_catalog, read_yaml
from core.checks import run_checks
from etl.load import load

ROOT = Path(__file__).resolve().parent.parent
YAML_FILES = [DEFAULT_PATH, ROOT / "core" / "strings.yaml", ROOT / "monitor" / "export" / "strings.yaml",
              ROOT / "drafting.yaml"]


def test_the_c_loader_is_used_where_pyyaml_has_it() -> None:
    assert yaml.__with_libyaml__  # the pinned PyYAML wheel carries libyaml; without it the fallback still reads
    assert _SAFE_LOADER is yaml.CSafeLoader


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.name)
def test_both_loaders_read_the_same_data(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast, slow = read_yaml(text), read_yaml(text, yaml.SafeLoader)
    assert fast == slow == yaml.safe_load(text)
    assert isinstance(fast, dict) and len(fast) >= 2


@pytest.mark.parametrize("path", YAML_FILES[1:3], ids=lambda p: p.parent.name)
def test_the_strings_read_as_the_safe_loader_reads_them(path: Path) -> None:
    from core.i18n import load_strings

    assert load_strings(str(path)) == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_c_loader_stays_safe() -> None:
    with pytest.raises(yaml.YAMLError):
        read_yaml("!!python/object/apply:os.system ['true']")


def test_help_imports_no_heavy_library() -> None:
    code = ("import sys, runpy; sys.argv = ['etl', '--help']\n"
            "try:\n    runpy.run_module('etl', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print('imported:', ','.join(m for m in ('pandas', 'numpy', 'pyarrow', 'duckdb', 'yaml', 'pydantic') "
            "if m in sys.modules), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "load" in out.stdout and "extract" in out.stdout  # the help itself is printed
    assert out.stderr == "imported: \n"  # the line is there (the process went on after the command): no library


def test_the_load_imports_no_library_only_other_commands_use(tmp_path: Path) -> None:
    """The sample's load reads CSV files: no spreadsheet, chart, report or page library is imported, and
    neither pandas nor pyarrow (a quarter of a second, more than the load's own work): DuckDB gives numpy."""
    db = tmp_path / "sample.duckdb"
    argv = ["load", "data/sample/units.csv", "data/sample/measures.csv", "--db", str(db)]
    # main(), not `python -m etl`: the command ends its process with os._exit (etl.__main__._end), so nothing
    # after it would run, and the line naming the imported libraries would never be printed
    code = (f"import sys\nfrom etl.__main__ import main\nassert main({argv!r}) == 0\n"
            "print('imported:', ','.join(m for m in ('openpyxl', 'plotly', 'docx', 'pptx', 'streamlit', 'babel', "
            "'pypdf', 'pandas', 'pyarrow') if m in sys.modules), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout == (f"Đã nạp 2 tệp, 182 dòng vào {db}: 177 số liệu mới, 0 số liệu đã có; 12 sai lệch. — "
                          f"Loaded 2 file(s), 182 row(s) into {db}: 177 new, 0 already there; 12 finding(s).\n")
    assert out.stderr == "imported: \n"


def test_the_loads_findings_frame_is_the_checks_frame(tmp_path: Path) -> None:
    """Report.finding_rows, made from the load's rows when first read, is the frame run_checks gives over
    the facts the load wrote, with the same types; the findings table holds the same rows in that order."""
    db = tmp_path / "sample.duckdb"
    report = load([ROOT / "data/sample/units.csv", ROOT / "data/sample/measures.csv"], db)
    assert "_finding_rows" in vars(report) and not isinstance(vars(report)["_finding_rows"], pd.DataFrame)
    rows = report.finding_rows
    assert isinstance(rows, pd.DataFrame) and rows is report.finding_rows  # made once
    with duckdb.connect(str(db), read_only=True) as con:
        expected = run_checks(con, default_catalog())
        stored = con.execute("SELECT * FROM findings").df()
    assert len(rows) == len(report.findings) == 12
    pd.testing.assert_frame_equal(rows, expected)
    pd.testing.assert_frame_equal(stored, expected)
    assert [p.rule for p in report.findings] == list(expected["rule"])
