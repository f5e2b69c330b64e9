"""How soon the command line answers: whole processes, side by side in one run.

Issue 20's goals, as ratios measured in the same run (the machine is shared, so each command runs
several times, alternately, and the best time counts):
- `python -m etl load` of the sample (data/sample/units.csv and *measures*.csv into a fresh database)
  ≤ 2 × `python -c "import duckdb"` + 0,3 s (the floor any command pays, plus a little);
- `python -m etl --help` ≤ 0,3 s.
`python -c "import duckdb, pandas"` is printed beside them, for reference: what the load pays for the
libraries it works with before it reads a row.

    python -m benchmarks.bench_cli [--repeat N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
LOAD_FACTOR, LOAD_SLACK, HELP_GOAL = 2.0, 0.3, 0.3


def _run(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _fresh(db: Path) -> Path:
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    return db


def _facts(db: Path) -> int:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM facts").fetchall()[0][0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_cli", description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    files = [SAMPLE / "units.csv", *sorted(SAMPLE.glob("*measures*.csv"))]
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench_cli_") as tmp:
        db = Path(tmp) / "sample.duckdb"
        load_cmd = [py, "-m", "etl", "load", *map(str, files), "--db", str(db)]
        commands = {
            'python -c "import duckdb"': ([py, "-c", "import duckdb"], None),
            # for reference, not a goal: the libraries the load itself works with (its floor while it uses pandas)
            'python -c "import duckdb, pandas"': ([py, "-c", "import duckdb, pandas"], None),
            "python -m etl --help": ([py, "-m", "etl", "--help"], None),
            "python -m etl load (sample)": (load_cmd, db),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):  # alternate, so a busy moment of the machine hits every command
            for name, (cmd, fresh) in commands.items():
                if fresh is not None:
                    _fresh(fresh)
                times[name].append(_run(cmd))
        facts = _facts(db)
    if facts == 0:
        print("!! the sample's load stored no facts")
        return 1

    best = {name: min(t) for name, t in times.items()}
    duck, helped = best['python -c "import duckdb"'], best["python -m etl --help"]
    load = best["python -m etl load (sample)"]
    w = 6 * args.repeat + 2
    print(f"{'':34}{'best s':>8}{'all runs':>{w}}{'× duckdb':>10}")
    for name, t in times.items():
        print(f"{name:34}{best[name]:>8.2f}{' '.join(f'{x:.2f}' for x in t):>{w}}{best[name] / duck:>10.2f}")
    load_goal = LOAD_FACTOR * duck + LOAD_SLACK
    ok_load, ok_help = load <= load_goal, helped <= HELP_GOAL
    print(f"\nload of the sample ({facts} facts): {load:.2f} s, goal ≤ {LOAD_FACTOR:g} × {duck:.2f} s "
          f"+ {LOAD_SLACK:g} s = {load_goal:.2f} s: {'met' if ok_load else 'NOT met'}")
    print(f"--help: {helped:.2f} s, goal ≤ {HELP_GOAL:g} s: {'met' if ok_help else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
