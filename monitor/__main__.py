"""python -m monitor scorecard (CONTRACT.md); export and users plug in beside it.

Exit codes: 0 success, 1 input rejected (the message says what and where; nothing is written),
2 wrong usage. The database is only ever opened read-only.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

SCORECARD_FORMATS = (".csv", ".xlsx")
DECIMALS = 4  # in the written file; the computation keeps full precision


class Rejected(Exception):
    """The input cannot be used; the message says why. With a text key (`key`, its `fill`), the reason is said
    in Vietnamese, then in English (core.i18n.both): the data's faults, which the officer meets."""

    def __init__(self, message: str, key: str = "", **fill: object) -> None:
        super().__init__(message)
        self.key, self.fill = key, fill

    def line(self) -> str:
        if not self.key:
            return f"Rejected: {self}"
        from core.i18n import both

        return both(self.key, **self.fill)


def open_db(path: str):  # -> duckdb.DuckDBPyConnection
    """The database at `path`, read-only, with the tables the product writes."""
    import duckdb

    if not Path(path).is_file():
        raise Rejected(f"{path}: no such database file", "cli_rejected_no_db", db=path)
    try:
        con = duckdb.connect(path, read_only=True)
    except duckdb.Error as exc:
        raise Rejected(f"{path}: cannot open as a DuckDB database: {exc}", "cli_rejected_bad_db", db=path,
                       error=exc) from None
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    missing = {"units", "facts"} - tables
    if missing:
        con.close()
        raise Rejected(f"{path}: not a database written by `python -m etl load` "
                       f"(no table {', '.join(sorted(missing))})", "cli_rejected_not_ours", db=path,
                       tables=", ".join(sorted(missing)))
    return con


def require_unit(con, unit: str, db: str) -> None:  # con: duckdb.DuckDBPyConnection
    """Refuse a --unit the database does not hold."""
    if not con.execute("SELECT count(*) FROM units WHERE unit_code = ?", [unit]).fetchall()[0][0]:
        raise Rejected(f"--unit {unit}: no such unit in {db}", "cli_rejected_no_unit", unit=unit, db=db)


def write_table(frame, out: Path, sheet: str) -> None:  # frame: pd.DataFrame
    """CSV (UTF-8) or XLSX by the extension; written beside and renamed, so a failure leaves no half file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    from etl.safety import printable_frame

    # a control character stored before the readers refused them (issue 21) would end openpyxl's write
    frame = printable_frame(frame.round({c: DECIMALS for c in frame.columns if frame[c].dtype.kind == "f"}))
    try:
        if out.suffix.lower() == ".xlsx":
            _write_xlsx(frame, tmp, sheet)
        else:
            frame.to_csv(tmp, index=False, encoding="utf-8")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _write_xlsx(frame, path: Path, sheet: str) -> None:
    """openpyxl's write-only mode: four times faster than DataFrame.to_excel on a national scorecard."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.freeze_panes = "A2"
    ws.append([str(c) for c in frame.columns])
    columns = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns]
    for row in zip(*columns, strict=True):
        ws.append(row)
    book.save(path)


def cmd_scorecard(args: argparse.Namespace) -> int:
    from core.catalog import default_catalog
    from core.i18n import both
    from monitor.attainment import judged_values

    con = open_db(args.db)
    try:
        if args.unit is not None:
            require_unit(con, args.unit, args.db)
        frame = judged_values(con, default_catalog(), unit=args.unit, year=args.year)
    finally:
        con.close()
    write_table(frame, Path(args.out), "scorecard")
    print(both("cli_wrote_rows", n=len(frame), out=args.out))
    return 0


VALUES_COLUMNS = ["unit_code", "indicator", "year", "period", "org_type", "value", "basis", "from_units"]


def cmd_values(args: argparse.Namespace) -> int:
    """A unit's yearly series, the years before it existed from the units it was formed from."""
    from core.catalog import default_catalog
    from core.i18n import both
    from monitor.attainment import indicator_values

    catalog = default_catalog()
    if args.indicator is not None and args.indicator not in catalog.indicators:
        raise Rejected(f"--indicator {args.indicator}: no such indicator in indicators.yaml",
                       "cli_rejected_no_indicator", indicator=args.indicator)
    con = open_db(args.db)
    try:
        require_unit(con, args.unit, args.db)
        frame = indicator_values(con, catalog, units=[args.unit],
                                 indicators=[args.indicator] if args.indicator else None)
    finally:
        con.close()
    order = {i: k for k, i in enumerate(catalog.indicators)}
    frame = frame.assign(_k=frame["indicator"].map(order)).sort_values(["_k", "year", "period", "org_type"])
    write_table(frame[VALUES_COLUMNS].reset_index(drop=True), Path(args.out), "values")
    print(both("cli_wrote_rows", n=len(frame), out=args.out))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from monitor.export.pack import run_cli

    return run_cli(args, open_db, Rejected)


def _pack_formats(text: str) -> tuple[str, ...]:
    from monitor.export import FORMATS

    items = tuple(dict.fromkeys(s.strip().lower() for s in text.split(",") if s.strip()))
    unknown = [s for s in items if s not in FORMATS]
    if unknown or not items:
        raise argparse.ArgumentTypeError(f"'{text}': choose from {','.join(FORMATS)}")
    return items


def _out_file(formats: tuple[str, ...]):
    def check(text: str) -> str:
        if Path(text).suffix.lower() not in formats:
            raise argparse.ArgumentTypeError(f"'{text}': the file name must end in {' or '.join(formats)}")
        return text
    return check


def _year(text: str) -> int:
    if not text.isdigit() or len(text) != 4:
        raise argparse.ArgumentTypeError(f"'{text}': expected a year such as 2023")
    return int(text)


MIN_PASSWORD = 8


def _password(args: argparse.Namespace) -> str:
    """From stdin's first line (--password-stdin, for scripts), else asked twice without echo."""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        password = getpass.getpass(f"Password for {args.username}: ")
        if getpass.getpass("Again: ") != password:
            raise Rejected("the two passwords differ; nothing was written")
    if len(password) < MIN_PASSWORD:
        raise Rejected(f"the password must have at least {MIN_PASSWORD} characters; nothing was written")
    from monitor.auth import MAX_PASSWORD_BYTES, password_too_long

    if password_too_long(password):  # bcrypt would ignore the rest: refused, never silently cut
        raise Rejected(f"the password is longer than {MAX_PASSWORD_BYTES} bytes (a Vietnamese letter takes 2 or 3); "
                       "choose a shorter one; nothing was written")
    return password


def cmd_users_add(args: argparse.Namespace) -> int:
    from monitor import auth

    path = Path(args.users) if args.users else auth.users_path()
    username = args.username.strip().lower()
    if not username or any(ch.isspace() or not ch.isprintable() for ch in username):
        raise Rejected(f"{args.username!r}: a user name is one word (or an e-mail address), without spaces")
    if args.name is not None and (not args.name.strip() or not args.name.isprintable()):
        # a line break in the name once ended the TOML string and locked everyone out
        raise Rejected(f"--name {args.name!r}: the name shown on screen is one line of visible characters")
    units = list(dict.fromkeys(args.unit or []))
    if args.role == "unit_officer" and not units:
        raise Rejected("a unit_officer needs at least one --unit CODE (the units they may load for)")
    if args.role != "unit_officer" and units:
        raise Rejected(f"--unit is only for the unit_officer role ({args.role} has no units)")
    try:
        users = auth.load_users(path) if path.exists() else {}
    except auth.AuthConfigError as exc:
        raise Rejected(f"{exc}; fix the users file first") from None
    if username in users:
        raise Rejected(f"{path}: user '{username}' already exists; nothing was written")
    entry = auth.format_user(username, args.name or username, args.role, units, _password(args))
    path.parent.mkdir(parents=True, exist_ok=True)
    # The file holds password hashes: readable by its owner only, from the moment it exists.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    if not auth.tighten(path):  # an existing file others could read
        print(f"Warning: {path} is readable by others and its permissions cannot be changed", file=sys.stderr)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(entry)
    print(f"Added {username} ({args.role}{': ' + ', '.join(units) if units else ''}) to {path}")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from monitor import auth

    path = Path(args.users) if args.users else auth.users_path()
    try:
        users = auth.load_users(path)
    except auth.AuthConfigError as exc:
        raise Rejected(str(exc)) from None
    for user in users.values():
        login = "" if user.password_hash else "  (no password: OIDC only)"
        units = f"  [{', '.join(user.units)}]" if user.units else ""
        print(f"{user.username}\t{user.role}\t{user.name}{units}{login}")
    print(f"{len(users)} user(s) in {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    from monitor.auth import ROLES

    p = argparse.ArgumentParser(prog="python -m monitor", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("scorecard", help="one row per unit × indicator × year: value, target, met, status")
    s.add_argument("--db", required=True, help="the DuckDB file `python -m etl load` wrote")
    s.add_argument("--out", required=True, type=_out_file(SCORECARD_FORMATS), help="FILE.csv or FILE.xlsx")
    s.add_argument("--unit", help="one unit (its aggregates still sum its descendants' counts)")
    s.add_argument("--year", type=_year, help="that year's rows, assessed with data up to it")
    s.set_defaults(run=cmd_scorecard)
    v = sub.add_parser("values", help="a unit's yearly series: value, basis, the units it came from")
    v.add_argument("--db", required=True, help="the DuckDB file `python -m etl load` wrote")
    v.add_argument("--unit", required=True, help="the unit")
    v.add_argument("--indicator", help="one indicator (default: all)")
    v.add_argument("--out", required=True, type=_out_file(SCORECARD_FORMATS), help="FILE.csv or FILE.xlsx")
    v.set_defaults(run=cmd_values)
    e = sub.add_parser("export", help="the midterm meeting pack: slides, Word annex and draft, workbook, charts")
    e.add_argument("--db", required=True, help="the DuckDB file `python -m etl load` wrote")
    e.add_argument("--out", required=True, help="directory to write the pack and its ZIP into")
    e.add_argument("--unit", help="the unit whose pack to write (default: one per top-level unit)")
    e.add_argument("--format", type=_pack_formats, default="pptx,docx,xlsx,png,svg,pdf",
                   help="comma-separated: pptx,docx,xlsx,png,svg,pdf (default: all)")
    e.add_argument("--year", type=_year, help="as of this year (default: the latest year with figures)")
    e.set_defaults(run=cmd_export)
    u = sub.add_parser("users", help="the users file of the dashboard's login (docs/access.md)")
    users = u.add_subparsers(dest="users_command", required=True)
    ua = users.add_parser("add", help="append a user with a bcrypt-hashed password")
    ua.add_argument("username", help="the login name, or the e-mail an OIDC provider returns")
    ua.add_argument("--name", help="the name shown on screen (default: the user name)")
    ua.add_argument("--role", required=True, choices=ROLES,
                    help="viewer sees; unit_officer also loads for their units; admin loads anything")
    ua.add_argument("--unit", action="append", metavar="CODE",
                    help="a unit a unit_officer may load for (repeat for several)")
    ua.add_argument("--users", metavar="PATH", help="the users file (default: MONITOR_USERS or data/users.toml)")
    ua.add_argument("--password-stdin", action="store_true",
                    help="read the password from the first line of stdin instead of asking twice")
    ua.set_defaults(run=cmd_users_add)
    ul = users.add_parser("list", help="the users, their roles and units (never the hashes)")
    ul.add_argument("--users", metavar="PATH", help="the users file (default: MONITOR_USERS or data/users.toml)")
    ul.set_defaults(run=cmd_users_list)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except Rejected as exc:
        print(exc.line(), file=sys.stderr)
        return 1
    except BrokenPipeError:  # `… | head` stopped reading: the work is done, say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
