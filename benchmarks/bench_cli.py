"""How soon the command line answers: whole processes, side by side in one run.

Issue 20's goals, as ratios measured in the same run (the machine is shared, so each command runs
several times, alternately, and the best time counts):
- `python -m etl load` of the sample (data/sample/units.csv and *measures*.csv into a fresh database)
  ≤ 2 × `python -c "import duckdb"` + 0,3 s (the floor any command pays, plus a little);
- `python -m etl --help` ≤ 0,3 s;
- `python -m etl load` of 1,2 million rows ≤ 3 × DuckDB's `read_csv` of the same file into a table of a
  fresh database, in a process of its own (`python -c "import duckdb; …CREATE TABLE … read_csv…"`): both
  whole processes, both writing a database file.
`python -c "import duckdb, pandas"` is printed beside them, for reference: what a command working with
pandas pays before it reads a row. The verdicts are the clock's (what a person waits); each process's CPU
time (all its threads) is printed beside it, which a busy shared machine disturbs less.

The 1,2 million rows: the national demo (`python -m etl demo --scale national`, 774 898 rows, 1 009 units)
and its provinces again under other codes (DEMO-P… → DEMO-Q…, under the same country), cut at --rows.

    python -m benchmarks.bench_cli [--repeat N] [--rows N] [--no-big] [--before PATH]

--before times the same commands, side by side, with the code of another checkout (e.g. the commit
before the change, unpacked with `git archive`), in the same alternation.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
LOAD_FACTOR, LOAD_SLACK, HELP_GOAL, BIG_FACTOR = 2.0, 0.3, 0.3, 3.0
READ_CSV = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); con.execute('SET enable_progress_bar = false'); "
            "con.execute('CREATE TABLE measures AS SELECT * FROM read_csv($p)', {'p': sys.argv[2]}); con.close()")


def _run(cmd: list[str], cwd: Path = ROOT, cpu: list[float] | None = None) -> float:
    """The clock time of `cmd` as a process of its own; its CPU time (user + system) appended to `cpu`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def _fresh(db: Path) -> Path:
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    return db


def _count(db: Path, table: str) -> int:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def _alternate(commands: Mapping[str, tuple[list[str], Path, Path | None]], repeat: int,
               ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Each command (argv, working folder, database to start afresh or None) run `repeat` times, alternately,
    so that a busy moment of the machine hits every command: their clock times and CPU times."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, (cmd, cwd, fresh) in commands.items():
            if fresh is not None:
                _fresh(fresh)
            times[name].append(_run(cmd, cwd, cpus[name]))
    return times, cpus


def big_input(out: Path, rows: int) -> tuple[Path, Path, int]:
    """units.csv and measures.csv of `rows` rows (see the module's doc); returns them and the rows written."""
    demo = out / "demo"
    subprocess.run([sys.executable, "-m", "etl", "demo", "--out", str(demo), "--scale", "national", "--seed", "2025"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    units_in = (demo / "units.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines = (demo / "measures.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    again = [line.replace("DEMO-P", "DEMO-Q") for line in body if line.startswith("DEMO-P")]
    measures = (body + again)[:rows]
    units = units_in + [line.replace("DEMO-P", "DEMO-Q") for line in units_in[1:] if line.startswith("DEMO-P")]
    (out / "units.csv").write_text("".join(units), encoding="utf-8")
    (out / "measures.csv").write_text(header + "".join(measures), encoding="utf-8")
    return out / "units.csv", out / "measures.csv", len(measures)


def _table(times: dict[str, list[float]], cpus: dict[str, list[float]], base: str, base_name: str) -> dict[str, float]:
    """Each command's best clock time, its runs, the ratio to `base`'s best, and the same for CPU time."""
    best = {name: min(t) for name, t in times.items()}
    cpu = {name: min(t) for name, t in cpus.items()}
    w = max(6 * len(next(iter(times.values()))) + 2, 10)
    print(f"{'':44}{'best s':>8}{'all runs':>{w}}{'× ' + base_name:>12}{'cpu s':>8}{'× ' + base_name:>12}")
    for name, t in times.items():
        print(f"{name:44}{best[name]:>8.2f}{' '.join(f'{x:.2f}' for x in t):>{w}}{best[name] / best[base]:>12.2f}"
              f"{cpu[name]:>8.2f}{cpu[name] / cpu[base]:>12.2f}")
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_cli", description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rows", type=int, default=1_200_000, help="rows of the large load (default 1 200 000)")
    ap.add_argument("--big-repeat", type=int, default=3)
    ap.add_argument("--no-big", action="store_true", help="only the start-up goals")
    ap.add_argument("--before", type=Path, help="another checkout whose commands to time side by side")
    args = ap.parse_args(argv)

    files = [SAMPLE / "units.csv", *sorted(SAMPLE.glob("*measures*.csv"))]
    py = sys.executable
    checkouts = {"": ROOT} | ({" (before)": args.before.resolve()} if args.before else {})
    with tempfile.TemporaryDirectory(prefix="bench_cli_") as tmp:
        tmp = Path(tmp)
        commands: dict[str, tuple[list[str], Path, Path | None]] = {
            'python -c "import duckdb"': ([py, "-c", "import duckdb"], ROOT, None),
            # for reference, not a goal: what a command working with pandas pays before it reads a row
            'python -c "import duckdb, pandas"': ([py, "-c", "import duckdb, pandas"], ROOT, None),
        }
        for tag, root in checkouts.items():
            db = tmp / f"sample{len(commands)}.duckdb"
            commands[f"python -m etl --help{tag}"] = ([py, "-m", "etl", "--help"], root, None)
            commands[f"python -m etl load (sample){tag}"] = (
                [py, "-m", "etl", "load", *map(str, files), "--db", str(db)], root, db)
        times, cpus = _alternate(commands, args.repeat)
        for name, (_, _, db) in commands.items():
            if db is not None and _count(db, "facts") == 0:
                print(f"!! {name} stored no facts")
                return 1
        facts = _count(commands["python -m etl load (sample)"][2], "facts")
        print(f"load average {_load()}")
        best = _table(times, cpus, 'python -c "import duckdb"', "duckdb")
        duck = best['python -c "import duckdb"']
        load, helped = best["python -m etl load (sample)"], best["python -m etl --help"]
        load_goal = LOAD_FACTOR * duck + LOAD_SLACK
        ok_load, ok_help = load <= load_goal, helped <= HELP_GOAL
        print(f"\nload of the sample ({facts} facts): {load:.2f} s, goal ≤ {LOAD_FACTOR:g} × {duck:.2f} s "
              f"+ {LOAD_SLACK:g} s = {load_goal:.2f} s: {'met' if ok_load else 'NOT met'}")
        print(f"--help: {helped:.2f} s, goal ≤ {HELP_GOAL:g} s: {'met' if ok_help else 'NOT met'}")
        if not args.no_big and _big(tmp, args, checkouts) is None:
            return 1
    return 0  # a goal not met is a figure to read (the verdicts above); a wrong count is a failed run


def _big(tmp: Path, args: argparse.Namespace, checkouts: dict[str, Path]) -> bool | None:
    """The large load against read_csv: whether the goal is met (None: a load stored the wrong count)."""
    start = time.perf_counter()
    units, measures, rows = big_input(tmp / "big", args.rows)
    print(f"\n{measures.name}: {rows:,} rows, {measures.stat().st_size / 1e6:.0f} MB, made in "
          f"{time.perf_counter() - start:.1f} s")
    py = sys.executable
    duck_db = tmp / "duck.duckdb"
    commands: dict[str, tuple[list[str], Path, Path]] = {
        "duckdb read_csv → table (a process)": ([py, "-c", READ_CSV, str(duck_db), str(measures)], ROOT, duck_db)}
    for tag, root in checkouts.items():
        db = tmp / f"big{len(commands)}.duckdb"
        commands[f"python -m etl load (big){tag}"] = (
            [py, "-m", "etl", "load", str(units), str(measures), "--db", str(db)], root, db)
    times, cpus = _alternate(commands, args.big_repeat)
    read = _count(duck_db, "measures")
    for name, (_, _, db) in commands.items():
        if name.startswith("python") and _count(db, "facts") != read:
            print(f"!! {name} stored {_count(db, 'facts')} facts from {read} rows")
            return None
    print(f"load average {_load()}")
    base = "duckdb read_csv → table (a process)"
    best = _table(times, cpus, base, "read_csv")
    duck, load = best[base], best["python -m etl load (big)"]
    cpu = min(cpus["python -m etl load (big)"]) / min(cpus[base])
    met = load / duck <= BIG_FACTOR
    print(f"\nload of {read:,} rows: {load:.2f} s = {load / duck:.2f} × read_csv's {duck:.2f} s, "
          f"goal ≤ {BIG_FACTOR:g} ×: {'met' if met else 'NOT met'} (CPU {cpu:.2f} ×, for reference)")
    return met


def _load() -> str:
    """The machine's load average (1, 5, 15 minutes): how busy the shared machine was."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
