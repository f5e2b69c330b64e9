"""python -m etl load | versions | rollback | check | demo | template | extract (CONTRACT.md).

Exit codes: 0 success, 1 input rejected (the message names file, row and column; the database is
left exactly as it was), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
from pathlib import Path

from etl.model import Problem


def _login() -> str:
    """Who runs the command, for the load log and the audit ('' where the system cannot say)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        return ""


def _unit_names(db: str | None) -> dict[str, str]:
    """The units' Vietnamese names in the database, for the problems' sentences ({} without one)."""
    if not db or not Path(db).exists():
        return {}
    import duckdb

    try:
        with duckdb.connect(db, read_only=True) as con:
            return dict(con.execute("SELECT unit_code, name_vi FROM units").fetchall())
    except duckdb.Error:
        return {}


def _print_problems(problems: list[Problem], stream=None, db: str | None = None) -> None:
    """Each problem where it is and what to do, in Vietnamese (README: the commands speak Vietnamese)."""
    from core.problems import place
    from etl.safety import visible  # a file's text may hold a terminal's escape sequence

    names = _unit_names(db)
    for p in problems:
        where = place(p, "vi")  # a finding has none: its sentence opens with the check's name
        text = f"{where}: {p.text('vi', names)}" if where else p.text("vi", names)
        print(f"  {visible(text)}", file=stream or sys.stdout)


def _irregular(files: list[str]) -> list[Problem]:
    """Files that are not regular files (a FIFO, a device, a folder): refused before the load takes the
    lock, since reading one may never end."""
    import stat

    out = []
    for f in files:
        try:
            regular = stat.S_ISREG(os.stat(f).st_mode)
        except OSError:
            continue  # a missing file: the load names it in its own words
        if not regular:
            vi = "không phải là một tệp thông thường (thiết bị, ống dẫn hay thư mục): hãy chỉ đúng tệp số liệu"
            en = "not a regular file (a device, a pipe or a folder): name the data file itself"
            out.append(Problem(f, None, None, "unreadable_file", f"{vi} — {en}",
                               args={"door": True, "vi": vi, "en": en}))
    return out


def _audit_line(db: str | None, **entry: object) -> None:
    """An audit line beside the database for a check or a refused load (load() writes its own otherwise);
    a log that cannot be written is said on stderr, it changes nothing else."""
    if not db:
        return
    from core import audit

    try:
        audit.append(Path(db), **entry)
    except OSError as exc:
        from core.i18n import both

        print(both("cli_audit_note", db=db, why=exc.strerror or exc), file=sys.stderr)


def _files(files: list[str]) -> list[dict[str, object]]:
    from etl.readers import sha256_of

    out: list[dict[str, object]] = []
    for f in files:
        try:
            out.append({"file": f, "sha256": sha256_of(Path(f)) if Path(f).is_file() else ""})
        except OSError:
            out.append({"file": f, "sha256": ""})
    return out


def _not_done(exc: Exception, db: str, done: str) -> str:
    """Why a load or a restore (`done`) did not happen, from what failed: another load held the database
    (LoadBusy), or the audit line could not be written (AuditFailed, the OSError its cause)."""
    from core import audit
    from core.i18n import both
    from etl.load import LoadBusy

    if isinstance(exc, LoadBusy):
        return both(f"cli_busy_{done}", db=db)
    cause = exc.__cause__
    return both(f"cli_audit_failed_{done}", db=db, log=audit.audit_path(Path(db)),
                why=getattr(cause, "strerror", None) or cause or exc)


def cmd_load(args: argparse.Namespace) -> int:
    from core.i18n import both, fmt_count, t
    from etl.load import AuditFailed, LoadBusy, LoadRejected, load

    reason = (args.reason or "").strip()
    if args.replace and not reason:
        print(both("cli_replace_needs_reason"), file=sys.stderr)
        return 2
    if reason and not args.replace:
        print(both("cli_reason_without_replace"), file=sys.stderr)
        return 2
    irregular = _irregular(args.files)
    if irregular:
        print(both("cli_rejected", n=len(irregular), db=args.db), file=sys.stderr)
        _print_problems(irregular, sys.stderr, args.db)
        _audit_line(args.db, user=args.user, result="rejected", files=[{"file": f} for f in args.files],
                    problems=len(irregular), first_problem=str(irregular[0]))
        return 1
    try:
        report = load(args.files, args.db, replace=args.replace, reason=reason, user=args.user)
    except LoadRejected as exc:
        print(both("cli_rejected", n=len(exc.problems), db=args.db), file=sys.stderr)
        _print_problems(exc.problems, sys.stderr, args.db)
        if exc.audit_error:
            print(both("cli_rejected_audit", db=args.db, error=exc.audit_error), file=sys.stderr)
        return 1
    except (LoadBusy, AuditFailed) as exc:
        print(_not_done(exc, args.db, "load"), file=sys.stderr)
        if isinstance(exc, LoadBusy):
            # the Data page shows it: in Vietnamese as a problem is, the database by its name alone
            _audit_line(args.db, user=args.user, result="busy", files=_files(args.files), problems=0,
                        first_problem=t("cli_busy_load", "vi", db=Path(args.db).name))
        return 1
    replaced = 0 if report.replaced is None else len(report.replaced)
    version = report.version
    print(both("cli_loaded", files=len(report.files), rows=sum(i.rows for i in report.files), db=args.db,
               inserted=report.inserted, unchanged=report.unchanged, findings=len(report.findings),
               replaced=lambda lang: t("cli_loaded_replaced", lang, n=fmt_count(replaced, lang)) if replaced else "",
               version=lambda lang: t("cli_loaded_version", lang, n=version) if version else ""))
    if args.verbose:
        _print_problems(report.findings, db=args.db)
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    from core.i18n import both
    from etl.versions import list_versions

    kept = list_versions(Path(args.db))
    if not kept:
        print(both("cli_versions_none", db=args.db), file=sys.stderr)
    for version in kept:
        print(version.line())
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from core.i18n import both, t
    from etl.load import AuditFailed, LoadBusy, rollback
    from etl.versions import VersionNotFound, list_versions

    try:
        saved = rollback(args.db, args.to, user=args.user)
    except VersionNotFound:
        # numbers to type back after --to: as they are, never grouped
        numbers = ", ".join(str(v.number) for v in reversed(list_versions(Path(args.db))))
        print(both("cli_no_version", n=str(args.to), db=args.db, kept=lambda lang: numbers or t("cli_none", lang)),
              file=sys.stderr)
        return 1
    except (LoadBusy, AuditFailed) as exc:
        print(_not_done(exc, args.db, "rollback"), file=sys.stderr)
        return 1
    print(both("cli_restored", n=str(args.to), db=args.db, saved=str(saved.number)))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from core.i18n import both
    from etl.load import check

    report = check(args.files, db=args.db)
    _audit_line(args.db, event="check", user=_login(), result="checked" if report.ok else "invalid",
                files=[{"file": str(i.path), "sha256": i.sha256, "rows": i.rows} for i in report.files],
                problems=len(report.problems), first_problem=str(report.problems[0]) if report.problems else "")
    if report.problems:
        print(both("cli_check_problems", n=len(report.problems)))
        _print_problems(report.problems, db=args.db)
    print(both("cli_check_findings", n=len(report.findings)))
    _print_problems(report.findings, db=args.db)
    if not report.problems:
        print(both("cli_check_ok", rows=sum(i.rows for i in report.files), files=len(report.files)))
    return 1 if report.problems else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from core.i18n import both
    from etl.demo import write_demo

    counts = write_demo(Path(args.out), scale=args.scale, seed=args.seed, reorg=args.reorg)
    print(both("cli_demo_wrote", out=args.out, units=counts["units"], rows=counts["rows"],
               missing=counts["missing_unit_years"]))
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from core.catalog import default_catalog
    from core.i18n import both
    from etl.template import TemplateUnit, from_database, write_template

    units: list[TemplateUnit] | None = None
    facts = None
    if args.db:
        if not Path(args.db).exists():
            print(both("cli_no_database", db=args.db), file=sys.stderr)
            return 2
        units, facts = from_database(Path(args.db), args.unit or None, default_catalog())
        unknown = sorted(set(args.unit or []) - {u.code for u in units})
        if unknown:
            print(both("cli_no_units", units=", ".join(unknown), db=args.db), file=sys.stderr)
            return 2
    elif args.unit:
        units = [TemplateUnit(code, code) for code in args.unit]
    write_template(Path(args.out), default_catalog(), units=units or None,
                   years=[args.year] if args.year else None, facts=facts)
    print(both("cli_template_wrote", out=args.out))
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from etl.extract import extract_main

    return extract_main(Path(args.report), args.unit, args.year, Path(args.out))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m etl", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("load", help="validate and load files into the DuckDB file, all or nothing")
    s.add_argument("files", nargs="+")
    s.add_argument("--db", required=True)
    s.add_argument("--replace", action="store_true",
                   help="the input wins where it differs from the database (otherwise a conflict rejects); "
                        "needs --reason")
    s.add_argument("--reason", help="why the input replaces the database's figures (recorded in the audit)")
    s.add_argument("--user", default=_login(), help="recorded in the load log and the audit (default: your login)")
    s.add_argument("-v", "--verbose", action="store_true", help="print every finding")
    s.set_defaults(run=cmd_load)
    s = sub.add_parser("versions", help="list the kept versions of the database, newest first")
    s.add_argument("--db", required=True)
    s.set_defaults(run=cmd_versions)
    s = sub.add_parser("rollback", help="restore a kept version of the database, atomically")
    s.add_argument("--db", required=True)
    s.add_argument("--to", type=int, required=True, metavar="N", help="the version's number (see versions)")
    s.add_argument("--user", default=_login(), help="recorded in the audit (default: your login)")
    s.set_defaults(run=cmd_rollback)
    s = sub.add_parser("check", help="validate only; print every problem and finding")
    s.add_argument("files", nargs="+")
    s.add_argument("--db", help="also check against this database (conflicts, known units)")
    s.set_defaults(run=cmd_check)
    s = sub.add_parser("demo", help="write a synthetic data set (units.csv, measures.csv)")
    s.add_argument("--out", required=True)
    s.add_argument("--scale", choices=["province", "national"], default="province")
    s.add_argument("--seed", type=int, default=2025)
    s.add_argument("--reorg", action="store_true",
                   help="also the 2025 reorganisation: two provinces merged, districts dissolved into communes, "
                        "with unit_changes.csv and the new units' figures (the 2025-2030 term)")
    s.set_defaults(run=cmd_demo)
    s = sub.add_parser("template", help="write the Excel template for data entry")
    s.add_argument("--out", required=True)
    s.add_argument("--db", help="one sheet per district and bloc of this database, its figures filled in")
    s.add_argument("--unit", nargs="+", metavar="CODE", help="only these units (a sheet each)")
    s.add_argument("--year", type=int, help="only this year's column (default: the current term's years)")
    s.set_defaults(run=cmd_template)
    s = sub.add_parser("extract", help="propose measures from a report (.txt, .md, .docx)")
    s.add_argument("report")
    s.add_argument("--unit", required=True)
    s.add_argument("--year", type=int, required=True)
    s.add_argument("--out", required=True)
    s.set_defaults(run=cmd_extract)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:  # `… | head` stopped reading: nothing more to say, and no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1 if args.command == "check" else 0


def _end(code: int) -> None:
    """End the process once everything is said and written (the database and the audit are closed by then):
    Python's own teardown of the modules a load uses (numpy, DuckDB, pydantic) adds nothing but a wait."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # the reader went away, or the stream is closed
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    _end(main())
