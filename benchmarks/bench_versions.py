"""The data officer's waits: the check of a 200-row upload on the Data page, and the rollback of a version.

Issue 15's goals: the check of a 200-row upload (screening, the load's own rules, the findings, the conflicts
with the database, the rows as read) under 1 s of server time, against the demo database of the scale
chosen; a rollback of the national demo database under 2 s. Each runs several times; the best time counts
(the machine is shared, so the minimum is the least disturbed); all runs are printed beside it.

    python -m benchmarks.bench_versions [--scale national|province] [--repeat N]
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import etl.load
from core.catalog import default_catalog
from etl import versions
from monitor.uploads import check_uploads

ROOT = Path(__file__).resolve().parent.parent
CHECK_GOAL = 1.0
ROLLBACK_GOAL = 2.0
UPLOAD_ROWS = 200


def _split(measures: Path, out_rest: Path) -> bytes:
    """The first district's rows, 200 of them, as an upload (CSV bytes), and the rest into `out_rest`: the
    database is loaded without them, so the upload brings new figures, as a district's yearly report does.
    A tenth of them are changed, so the check also lists conflicts with the database."""
    with measures.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0].keys())
    district = next(r["unit_code"] for r in rows if r["unit_code"].count("-") >= 2)
    mine = [r for r in rows if r["unit_code"] == district][:UPLOAD_ROWS]
    taken = {id(r) for r in mine}
    rest = [r for r in rows if id(r) not in taken]
    changed = mine[: UPLOAD_ROWS // 10]
    rest += [dict(r) for r in changed]  # the database holds these ten percent...
    with out_rest.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rest)
    for r in changed:  # ...and the upload says otherwise
        r["value"] = str(float(r["value"]) + 1)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    writer.writerows(mine)
    return buffer.getvalue().encode("utf-8")


def _runs(times: list[float]) -> str:
    return " ".join(f"{t:.2f}" for t in times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_versions", description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=["national", "province"], default="national")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_versions_") as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, "-m", "etl", "demo", "--out", str(tmp / "demo"), "--scale", args.scale,
                        "--seed", "2025"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        units, measures = tmp / "demo" / "units.csv", tmp / "demo" / "measures.csv"
        upload = _split(measures, tmp / "rest.csv")
        db = tmp / "monitor.duckdb"
        start = time.perf_counter()
        etl.load.load([units, tmp / "rest.csv"], db, catalog=default_catalog())
        size = db.stat().st_size / 1e6
        print(f"demo --scale {args.scale}: database {size:.0f} MB, loaded in {time.perf_counter() - start:.1f} s")

        # the check, as the Data page runs it on the server (screen, save, the load's rules, rows as read)
        t_check: list[float] = []
        c_check: list[float] = []
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            checked = check_uploads([("bao-cao-huyen.csv", upload)], db)
            t_check.append(time.perf_counter() - start)
            c_check.append(time.process_time() - start_cpu)
        report = checked.report
        assert report is not None
        conflicts = 0 if report.conflicts is None else len(report.conflicts)
        rows = sum(i.rows for i in report.files)

        # a version to go back to: the upload loaded (replacing its conflicts), then rolled back and forth
        etl.load.load([tmp / "rest.csv"], db)  # unchanged: still a new file, so a version
        kept = [v.number for v in versions.list_versions(db)]
        t_roll: list[float] = []
        c_roll: list[float] = []
        for _ in range(args.repeat):
            target = versions.list_versions(db)[0].number  # the newest: the state before the last change
            start, start_cpu = time.perf_counter(), time.process_time()
            etl.load.rollback(db, target, user="bench")
            t_roll.append(time.perf_counter() - start)
            c_roll.append(time.process_time() - start_cpu)

        check_s, roll_s = min(t_check), min(t_roll)
        print(f"{'':40}{'best s':>8}{'cpu s':>8}  all runs")
        print(f"{f'check of a {rows}-row upload ({conflicts} conflicts)':40}{check_s:>8.2f}{min(c_check):>8.2f}"
              f"  {_runs(t_check)}")
        print(f"{f'rollback of the {args.scale} database':40}{roll_s:>8.2f}{min(c_roll):>8.2f}  {_runs(t_roll)}")
        print(f"  versions kept before the rollbacks: {kept}; after: {[v.number for v in versions.list_versions(db)]}")
        ok = True
        for what, took, goal in (("check", check_s, CHECK_GOAL), ("rollback", roll_s, ROLLBACK_GOAL)):
            met = took <= goal
            ok &= met
            print(f"  goal   {what}: {'met' if met else 'NOT met'} on the clock ({took:.2f} s "
                  f"{'≤' if met else '>'} {goal:g} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
