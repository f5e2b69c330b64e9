"""The layers a test keeps (issue 20, item 1): pages (screens/, app.py) -> services (monitor) -> etl -> core, never
back; the pages never import etl, even where the layers would let them; nothing below the pages imports
Streamlit. The contracts are import-linter's, in pyproject.toml ([tool.importlinter]); run here on the real
tree, and on a copy given one back-arrow at a time, to show each can fail and names what broke it."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "etl", "monitor", "screens")
LAYERS = "Layers: pages, services, etl, core"
PAGES_NOT_ETL = "Pages call services, never etl"
NO_STREAMLIT = "No Streamlit below the pages"
CONTRACTS = (LAYERS, PAGES_NOT_ETL, NO_STREAMLIT)


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the tree at `root` (its pyproject.toml, its packages: the command puts its working
    folder first on the path), without a cache, so that nothing is written beside the code."""
    command = Path(sys.executable).parent / "lint-imports"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([str(command), "--no-cache", "--config", str(root / "pyproject.toml")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def verdicts(out: str) -> dict[str, str]:
    """{contract name: 'KEPT' or 'BROKEN'} from the command's summary."""
    found = {}
    for line in out.splitlines():
        name, _, word = line.strip().rpartition(" ")
        if name in CONTRACTS and word in ("KEPT", "BROKEN"):
            found[name] = word
    return found


def test_the_tree_keeps_its_layers() -> None:
    run = lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert verdicts(run.stdout) == dict.fromkeys(CONTRACTS, "KEPT")
    assert "Contracts: 3 kept, 0 broken." in run.stdout


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return names


def test_app_and_serve_are_pages_too() -> None:
    """app.py and serve.py are modules at the root, which import-linter cannot take as roots: their imports are
    read here. Both stand above the services, so they may import anything of ours but etl (serve.py warms modules
    by name, and those count too)."""
    import serve

    for script in ("app.py", "serve.py"):
        ours = {m for m in _imports(ROOT / script) if m.split(".")[0] in PACKAGES}
        assert not {m for m in ours if m.split(".")[0] == "etl"}, script
    assert "screens" in {m.split(".")[0] for m in _imports(ROOT / "app.py")}  # the check reads real imports
    assert [m for m in serve.WARM_MODULES if m.split(".")[0] == "etl"] == []
    assert {m.split(".")[0] for m in serve.WARM_MODULES} <= {"core", "monitor", "screens"}


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The four packages and pyproject.toml, and a tests/ folder that imports across every layer: tests are
    not a layer, so what they import does not count."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_anything.py").write_text(
        "import streamlit\nfrom etl import load\nfrom screens import data\nfrom core import catalog\n",
        encoding="utf-8")
    return tmp_path


def test_a_copy_keeps_them_and_tests_do_not_count(copy: Path) -> None:
    run = lint(copy)
    assert run.returncode == 0, run.stdout + run.stderr
    assert verdicts(run.stdout) == dict.fromkeys(CONTRACTS, "KEPT")


@pytest.mark.parametrize(("file", "line", "broken", "chain"), [
    ("core/catalog.py", "import monitor.overview", {LAYERS}, "core.catalog -> monitor.overview"),
    ("etl/load.py", "from monitor import uploads", {LAYERS}, "etl.load -> monitor.uploads"),
    # a page brings Streamlit with it: the service that imports one breaks both
    ("monitor/store.py", "from screens import overview", {LAYERS, NO_STREAMLIT}, "monitor.store -> screens.overview"),
    ("screens/overview.py", "from etl import load", {PAGES_NOT_ETL}, "screens.overview -> etl.load"),
    ("core/i18n.py", "import streamlit as st", {NO_STREAMLIT}, "core.i18n -> streamlit"),
    ("monitor/charts.py", "import streamlit", {NO_STREAMLIT}, "monitor.charts -> streamlit"),
])
def test_one_back_arrow_breaks_its_contract(copy: Path, file: str, line: str, broken: set[str], chain: str) -> None:
    path = copy / file
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # the back-arrow under test\n", encoding="utf-8")
    run = lint(copy)
    assert run.returncode == 1, run.stdout + run.stderr
    assert verdicts(run.stdout) == {name: "BROKEN" if name in broken else "KEPT" for name in CONTRACTS}
    assert f"Contracts: {3 - len(broken)} kept, {len(broken)} broken." in run.stdout
    report = run.stdout.split("Broken contracts", 1)[1]
    assert chain in report


def test_the_navigation_lists_the_pages_and_only_them() -> None:
    """A page is a file of screens/ without a leading underscore; the rest (context, sidebar, widgets, the load
    button…) are what pages share, never a page of their own."""
    shown = {node.args[0].value for node in ast.walk(ast.parse((ROOT / "app.py").read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page" and node.args
             and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)}
    pages = {f"screens/{p.name}" for p in (ROOT / "screens").glob("*.py") if not p.name.startswith("_")}
    assert shown == pages == {"screens/overview.py", "screens/indicator.py", "screens/unit.py", "screens/compare.py",
                              "screens/data.py", "screens/extract.py"}
    shared = {p.stem for p in (ROOT / "screens").glob("_*.py")}
    assert {"_context", "_sidebar", "_widgets", "_load", "_scorecard_table"} <= shared and "_ui" not in shared
