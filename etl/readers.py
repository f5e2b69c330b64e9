"""Readers: every input file → rows of text in a DuckDB staging table, with where each came from.

Staging keeps everything as text (rename, trim, Vietnamese numbers → machine text); the rules in
etl.rules then cast and judge it. CSV goes straight through DuckDB's reader because the national
data set has a million rows; spreadsheets and Parquet pass through pandas.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from core.numbers import NumberFormatError, float_to_machine, split_qualifier, vi_to_machine
from etl.model import (
    CHANGE_COLUMNS,
    MEASURE_COLUMNS,
    ORIGIN_COLUMNS,
    REQUIRED_CHANGE_COLUMNS,
    REQUIRED_MEASURE_COLUMNS,
    REQUIRED_UNIT_COLUMNS,
    UNIT_COLUMNS,
    UNIT_TIME_COLUMNS,
    Problem,
)
from etl.safety import COMMAND, REFUSED_CHARS, SPACE_CHARS, Limits, UnsafeUpload, re2_class, refused_char, screen_path

if TYPE_CHECKING:  # pandas only where a workbook is read or rows are shown: a CSV load never imports it
    import pandas as pd

STG_MEASURES = "stg_measures"  # a view: the rows of STG_ROWS and of every CSV file's own table (_stage_csv)
STG_ROWS = "stg_rows"  # the measures rows the other readers give, and a CSV file's once they must be changed
STG_UNITS = "stg_units"
STG_CHANGES = "stg_changes"
STAGED_UNIT_COLUMNS = (*UNIT_COLUMNS, *UNIT_TIME_COLUMNS)


def _target(kind: str) -> tuple[str, tuple[str, ...]]:
    """The staging table and columns of a file kind."""
    if kind == "units":
        return STG_UNITS, STAGED_UNIT_COLUMNS
    if kind == "changes":
        return STG_CHANGES, CHANGE_COLUMNS
    return STG_ROWS, MEASURE_COLUMNS


@dataclass
class FileInfo:
    path: Path
    kind: str = ""  # units | changes | measures | '' when unreadable
    rows: int = 0
    sha256: str = ""
    problems: list[Problem] = field(default_factory=list)
    column_names: dict[str, str] = field(default_factory=dict)


class Unreadable(ValueError):
    """A file no reader can take, and why (`why`: a code core.problems says in the reader's words)."""

    def __init__(self, why: str, text: str) -> None:
        super().__init__(text)
        self.why = why


def create_staging(con: duckdb.DuckDBPyConnection) -> None:
    cols = ", ".join(f"{c} VARCHAR" for c in MEASURE_COLUMNS)
    con.execute("CREATE TEMP TABLE IF NOT EXISTS stg_parts (tbl VARCHAR, file VARCHAR)")
    for (table,) in con.execute("SELECT tbl FROM stg_parts").fetchall():  # a connection staging again
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute("DELETE FROM stg_parts")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {STG_ROWS} "
                f"(file VARCHAR, sheet VARCHAR, \"row\" BIGINT, value_col VARCHAR, {cols})")
    _measures_view(con)
    ucols = ", ".join(f"{c} VARCHAR" for c in STAGED_UNIT_COLUMNS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {STG_UNITS} (file VARCHAR, \"row\" BIGINT, {ucols})")
    ccols = ", ".join(f"{c} VARCHAR" for c in CHANGE_COLUMNS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {STG_CHANGES} (file VARCHAR, \"row\" BIGINT, {ccols})")


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _measures_view(con: duckdb.DuckDBPyConnection) -> None:
    """stg_measures: STG_ROWS and each CSV file's table, with the file, sheet, row and value column a CSV
    file's rows have in common said once (in the view) rather than stored a million times (a quarter of the read)."""
    parts = [f"SELECT * FROM {STG_ROWS}"]
    for table, file in con.execute("SELECT tbl, file FROM stg_parts ORDER BY tbl").fetchall():
        # rowid follows the file's order (DuckDB preserves insertion order); the header is row 1
        parts.append(f"SELECT {_sql_text(file)} AS file, '' AS sheet, rowid + 2 AS \"row\", 'value' AS value_col, "
                     f"{', '.join(MEASURE_COLUMNS)} FROM {table}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {STG_MEASURES} AS {' UNION ALL '.join(parts)}")


def writable_measures(con: duckdb.DuckDBPyConnection) -> str:
    """The table to UPDATE the staged measures rows in: every row moved into STG_ROWS first (rarely needed:
    only when a cell must be trimmed or cleaned)."""
    parts = con.execute("SELECT tbl FROM stg_parts").fetchall()
    if parts:
        con.execute(f"INSERT INTO {STG_ROWS} SELECT * FROM {STG_MEASURES} WHERE file IN (SELECT file FROM stg_parts)")
        for (table,) in parts:
            con.execute(f"DROP TABLE {table}")
        con.execute("DELETE FROM stg_parts")
        _measures_view(con)
    return STG_ROWS


def staged_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The staged rows, units first, in the measures' columns (a unit row's own in theirs), by file and row."""
    import pandas as pd

    measures = con.execute(f"""SELECT file, sheet, "row", unit_code, year, period, org_type, measure, value,
                                      qualifier, source FROM {STG_MEASURES} ORDER BY file, sheet, "row" """).df()
    units = con.execute(f"""SELECT file, '' AS sheet, "row", unit_code, name_vi, parent_code, kind
                            FROM {STG_UNITS} ORDER BY file, "row" """).df()
    return pd.concat([units, measures], ignore_index=True) if not units.empty else measures


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _chars(spec: str) -> set[str]:
    """The characters of a class written as etl.safety writes them ('a-z' a range)."""
    out: set[str] = set()
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out |= {chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1)}
            i += 3
        else:
            out.add(spec[i])
            i += 1
    return out


# The bytes a character the door looks for (_door: SPACE_CHARS, REFUSED_CHARS) starts with in UTF-8, but a
# line's end: a CSV file holding none of them, whose lines are its rows, has no cell to look at.
_DOOR_LEADS = {c.encode()[0] for c in _chars(SPACE_CHARS) | _chars(REFUSED_CHARS)} - {ord("\n"), ord("\r")}
_NOT_DOOR_LEADS = bytes(b for b in range(256) if b not in _DOOR_LEADS)


@dataclass(frozen=True)
class _Scan:
    """What one read of a file's bytes says: its SHA-256, and whether a door character may be in it."""

    sha256: str
    door_bytes: bool  # a byte a door character starts with, or a carriage return not before a line feed
    ends_in_newline: bool


def _scan(path: Path) -> _Scan:
    """The file's hash, and (in the same read; bytes.translate costs a tenth of the hashing) whether it holds
    a byte a door character starts with: DuckDB's look for them in every cell costs a quarter of a second on
    a million rows, nearly always to find none."""
    h = hashlib.sha256()
    door, crs, crlfs, last = False, 0, 0, b""
    with path.open("rb") as f:
        for n, chunk in enumerate(iter(lambda: f.read(1 << 20), b"")):
            h.update(chunk)
            if not door:
                seen = (chunk[3:] if n == 0 and chunk.startswith(b"\xef\xbb\xbf") else chunk).translate(
                    None, _NOT_DOOR_LEADS)
                door = bool(seen)
                if b"\r" in chunk or last == b"\r":  # a CRLF split between two reads counts once
                    crs += chunk.count(b"\r")
                    crlfs += chunk.count(b"\r\n") + (last == b"\r" and chunk.startswith(b"\n"))
            last = chunk[-1:]
    return _Scan(h.hexdigest(), door or crs != crlfs, last == b"\n")


def stage_file(con: duckdb.DuckDBPyConnection, path: Path, limits: Limits = COMMAND) -> FileInfo:
    """Read one file into the staging tables. Faults come back in FileInfo.problems, never raised.

    The file is screened by its content and its work gauged against `limits` first (etl.safety): a
    FIFO, a device, a ZIP bomb, a macro workbook or two million rows never reach a parser."""
    info = FileInfo(path=path)
    try:
        screened = screen_path(path, allow=_KINDS, limits=limits)
    except UnsafeUpload as exc:
        message = str(exc).removeprefix(f"{path.name}: ")
        info.problems.append(Problem(str(path), None, None, _refusal_rule(exc), message,
                                     args={"door": True, "vi": exc.vi, "en": exc.en}))
        return info
    expected = _SUFFIX_KINDS.get(path.suffix.lower())
    if expected is not None and screened.kind != expected:
        vi, en = _mismatch(path, screened.kind)
        info.problems.append(Problem(str(path), None, None, "unreadable_file", f"{vi} — {en}",
                                     args={"door": True, "vi": vi, "en": en}))
        return info
    # hashlib lets go of the GIL: the file is hashed while DuckDB or openpyxl reads it
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(_scan, path)
        try:
            _stage_any(con, path, info)
            scan = digest.result()
            # a CSV file without a door character's byte, each of whose lines (they end in a line feed, a carriage
            # return only before one) is a row, holds no such character in a cell: nothing to look at
            clean = (screened.kind == "csv" and not scan.door_bytes and scan.ends_in_newline
                     and screened.rows == info.rows)
            if not info.problems and not clean:
                info.problems += _door(con, info)
            info.sha256 = scan.sha256
        except Exception as exc:  # an untrusted file may fail inside any parser, in that parser's own way
            error = digest.exception() or exc
            if error is not exc:  # as when it was hashed first: the file could not be read at all
                info = FileInfo(path=path)
            info.problems.append(Problem(str(path), None, None, "unreadable_file",
                                         f"cannot read it ({type(error).__name__}: {_short(error)})",
                                         args={"why": getattr(error, "why", "")}))
    if info.kind and info.rows == 0 and not info.problems:
        info.problems.append(Problem(str(path), None, None, "empty_file", "the file has a header but no rows",
                                     args={"why": "header_only"}))
    return info


_KINDS = ("csv", "xlsx", "parquet")
_SUFFIX_KINDS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet"}
_KIND_WORDS = {"csv": ("văn bản CSV", "CSV text"), "xlsx": ("bảng tính Excel", "an Excel workbook"),
               "parquet": ("Parquet", "Parquet"), "pdf": ("PDF", "PDF"), "docx": ("tài liệu Word", "a Word document")}


def _refusal_rule(exc: UnsafeUpload) -> str:
    if "the file is empty" in exc.en:
        return "empty_file"
    if exc.en.startswith(("binary content", "not a regular file", "cannot open")):
        return "unreadable_file"
    return "refused_file"


def _mismatch(path: Path, kind: str) -> tuple[str, str]:
    vi, en = _KIND_WORDS.get(kind, (kind, kind))
    return (f"nội dung tệp là {vi} nhưng tên tệp có đuôi {path.suffix}: hãy đặt lại đuôi cho đúng",
            f"its content is {en} but its name ends in {path.suffix}: give it the right extension")


# One rule for the text of every reader, judged on the rows just staged: whitespace-like control
# characters become spaces, any other control character refuses the row (etl.safety). Only the free
# text: a code, a year, a period or a value holding one is already refused by its own rule (unknown
# unit, not a number…), and looking at one column of a million rows costs a tenth of looking at eight.
_UNIT_TEXT = ("name_vi", "name_en")
_MEASURE_TEXT = ("source",)


def _door(con: duckdb.DuckDBPyConnection, info: FileInfo) -> list[Problem]:
    if not info.kind:
        return []
    table, cols = (STG_UNITS, _UNIT_TEXT) if info.kind == "units" else (STG_MEASURES, _MEASURE_TEXT)
    space, refused = re2_class(SPACE_CHARS), re2_class(REFUSED_CHARS)
    mine = "file = $file"
    either = "[" + space[1:-1] + refused[1:-1] + "]"
    # one column as it is: concat_ws would copy a million sources to look at them (a tenth of the scan)
    text = cols[0] if len(cols) == 1 else f"concat_ws('|', {', '.join(cols)})"
    # one scan says whether any cell needs a look: files rarely hold a control character at all
    if not con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {mine} AND "
                       f"regexp_matches({text}, '{either}') LIMIT 1)",
                       {"file": str(info.path)}).fetchall()[0][0]:
        return []
    if table == STG_MEASURES:
        table = writable_measures(con)
    con.execute(f"UPDATE {table} SET " + ", ".join(
        f"{c} = trim(regexp_replace({c}, '{space}+', ' ', 'g'))" for c in cols)
        + f" WHERE {mine} AND regexp_matches(concat_ws('|', {', '.join(cols)}), '{space}')", {"file": str(info.path)})
    sheet = "sheet" if info.kind != "units" else "'' AS sheet"
    found = con.execute(f"""
        SELECT "row", sheet, c, v FROM (
            SELECT "row", {sheet}, unnest([{', '.join(repr(c) for c in cols)}]) AS c, unnest([{', '.join(cols)}]) AS v
            FROM {table} WHERE {mine} AND regexp_matches(concat_ws('|', {', '.join(cols)}), '{refused}'))
        WHERE regexp_matches(v, '{refused}') ORDER BY "row", c LIMIT 1000""", {"file": str(info.path)}).fetchall()
    problems = []
    for row, sh, column, value in found:
        at = refused_char(value)
        code = f"U+{ord(value[at]):04X}"
        problems.append(Problem(str(info.path), row, column, "control_character",
                                f"the text holds an invisible control character ({code}) at "
                                f"character {at + 1}: retype the cell", sheet=sh or "",
                                args={"value": code, "at": at + 1}))
    return problems


def _stage_any(con: duckdb.DuckDBPyConnection, path: Path, info: FileInfo) -> None:
    name = str(path)
    if path.stat().st_size == 0:
        info.problems.append(Problem(name, None, None, "empty_file", "the file is empty", args={"why": "empty"}))
        return
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        _stage_xlsx(con, path, info)
    elif suffix == ".parquet":
        _stage_parquet(con, path, info)
    elif suffix in (".csv", ".txt"):
        _stage_csv(con, path, info)
    else:
        info.problems.append(Problem(name, None, None, "unreadable_file",
                                     f"unknown file type '{suffix}': expected .csv, .xlsx or .parquet",
                                     args={"why": "file_type", "value": suffix}))


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def _kind_of(header: list[str]) -> str:
    # name_vi too: a units file that lost its `kind` column must be told so, not that it lacks `measure`
    if "from_code" in header and "to_code" in header and "measure" not in header:
        return "changes"
    return "units" if ("kind" in header or "name_vi" in header) and "measure" not in header else "measures"


def _check_header(info: FileInfo, header: list[str]) -> bool:
    info.kind = _kind_of(header)
    required = {"units": REQUIRED_UNIT_COLUMNS, "changes": REQUIRED_CHANGE_COLUMNS}.get(info.kind,
                                                                                       REQUIRED_MEASURE_COLUMNS)
    missing = [c for c in required if c not in header]
    for c in missing:
        info.problems.append(Problem(str(info.path), 1, c, "missing_column",
                                     f"required column '{c}' is missing (header: {', '.join(header)})",
                                     args={"value": c, "header": header}))
    twice = sorted({h for h in header if h and header.count(h) > 1})
    for c in twice:
        info.problems.append(Problem(str(info.path), 1, c, "duplicate_column",
                                     f"column '{c}' appears {header.count(c)} times in the header",
                                     args={"value": c, "n": header.count(c)}))
    return not missing and not twice


def _select_list(header: list[str], columns: tuple[str, ...]) -> str:
    return ", ".join(f"coalesce(\"{c}\", '') AS {c}" if c in header else f"'' AS {c}" for c in columns)


def _trim_new_rows(con: duckdb.DuckDBPyConnection, table: str, header: list[str], columns: tuple[str, ...]) -> None:
    """Trim the just-read rows' cells, only if any cell has a space at either end: looking costs less than
    half of trimming every cell of a large file, and files rarely have such spaces."""
    cols = [c for c in columns if c in header]
    padded = " OR ".join(f"(starts_with({c}, ' ') OR ends_with({c}, ' '))" for c in cols)
    new = '"row" IS NULL'
    if cols and con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {new} AND ({padded}) LIMIT 1)"
                            ).fetchall()[0][0]:
        con.execute(f"UPDATE {table} SET {', '.join(f'{c} = trim({c})' for c in cols)} WHERE {new}")


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, info: FileInfo) -> None:
    with path.open("rb") as f:
        head = f.read(64 * 1024)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if len(head) == 64 * 1024 and exc.start > len(head) - 4:  # a character cut by the 64 KiB read
            text = head[: exc.start].decode("utf-8-sig")
        else:
            raise Unreadable("not_utf8", f"not UTF-8 text (byte {exc.start}): save the file as CSV UTF-8") from None
    if "\x00" in text:
        raise Unreadable("binary", "binary content, not a CSV text file")
    if "\r" in text and "\n" not in text:
        raise Unreadable("bare_cr", "its lines end in a bare carriage return (an old Mac CSV): save it as CSV UTF-8")
    first = next(csv.reader(io.StringIO(text)), [])
    header = [h.strip() for h in first]
    if not header or not any(header):
        raise Unreadable("no_header", "no header row")
    if not _check_header(info, header):
        return
    table, columns = _target(info.kind)
    # a header cell left empty (a trailing comma from a spreadsheet) is a column nobody reads
    names = [h or f"_unnamed_{i}" for i, h in enumerate(header)]
    origin = "$file AS file, " + ("" if info.kind != "measures" else "'' AS sheet, ")
    origin += "NULL AS \"row\", " + ("" if info.kind != "measures" else "'value' AS value_col, ")
    src = ("read_csv($path, header = true, all_varchar = true, delim = ',', quote = '\"', "
           "escape = '\"', auto_detect = false, "
           "columns = $columns, strict_mode = true, encoding = 'utf-8')")
    # utf-8-sig BOM: DuckDB keeps it on the first header name, so the explicit columns above win.
    if info.kind == "measures":
        _stage_measures_csv(con, path, info, header, names, src)
        return
    try:
        info.rows = _inserted(con, f"INSERT INTO {table} SELECT {origin}{_select_list(header, columns)} FROM {src}",
                              # the header's names are the file's own text: a parameter, never SQL
                              {"file": str(path), "path": str(path), "columns": dict.fromkeys(names, "VARCHAR")})
    except duckdb.InvalidInputException as exc:
        info.problems.append(_csv_error(path, exc))
        return
    _trim_new_rows(con, table, header, columns)
    # Rows are numbered from the table's rowid, which follows the file's order (DuckDB preserves
    # insertion order): row_number() OVER () in the INSERT costs a single-threaded window, +50 %.
    con.execute(f'UPDATE {table} SET "row" = rowid - (SELECT min(rowid) FROM {table} WHERE "row" IS NULL) + 2 '
                'WHERE "row" IS NULL')


def _stage_measures_csv(con: duckdb.DuckDBPyConnection, path: Path, info: FileInfo, header: list[str],
                        names: list[str], src: str) -> None:
    """A measures CSV file into a table of its own, its cells only (stg_measures shows them with their file and
    row). Its cells are trimmed with the rules' first look (etl.rules.trim_measures)."""
    table = f"stg_csv_{con.execute('SELECT count(*) FROM stg_parts').fetchall()[0][0]}"
    try:
        info.rows = _inserted(con, f"CREATE TEMP TABLE {table} AS SELECT {_select_list(header, MEASURE_COLUMNS)} "
                                   f"FROM {src}",
                              # the header's names are the file's own text: a parameter, never SQL
                              {"path": str(path), "columns": dict.fromkeys(names, "VARCHAR")})
    except duckdb.InvalidInputException as exc:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        info.problems.append(_csv_error(path, exc))
        return
    con.execute("INSERT INTO stg_parts VALUES ($t, $f)", {"t": table, "f": str(path)})
    _measures_view(con)


def _csv_error(path: Path, exc: duckdb.Error) -> Problem:
    """DuckDB's CSV error as a problem naming the row (its 'Line' counts the header as 1, as we do)."""
    text = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    fields = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    too_long = re.search(r"Maximum line size of (\d+) bytes exceeded", text)
    args: dict[str, object] = {"why": ""}
    if fields:
        message = f"the row has {fields[2]} fields but the header has {fields[1]}"
        args = {"why": "fields", "found": int(fields[2]), "expected": int(fields[1])}
    elif too_long:
        message = f"the line is longer than {int(too_long[1]):,} bytes: is it really one row of a CSV file?"
        args = {"why": "too_long", "n": int(too_long[1])}
    else:
        message = _short(exc).removeprefix("Invalid Input Error: ")
    return Problem(str(path), int(line[1]) if line else None, None, "unreadable_file", message, args=args)


def _inserted(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> int:
    """Run an INSERT and return its row count. fetchall, not fetchone: DuckDB refuses a later
    register() while a result is only partly fetched."""
    return con.execute(sql, params).fetchall()[0][0]


def _stage_frame(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, info: FileInfo) -> None:
    table, columns = _target(info.kind)
    origin = ("file", "row") if info.kind != "measures" else ORIGIN_COLUMNS
    for c in columns:
        if c not in frame.columns:
            frame[c] = ""
    frame = frame[[*origin, *columns]]
    con.register("_frame", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _frame")
    finally:
        con.unregister("_frame")
    info.rows = len(frame)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return float_to_machine(float(value))
    return str(value).strip()


def _stage_xlsx(con: duckdb.DuckDBPyConnection, path: Path, info: FileInfo) -> None:
    from etl.template import is_template, read_template  # the template is a layout of its own

    if is_template(path):
        from core.catalog import default_catalog

        staged = read_template(path, default_catalog())
        info.kind = "measures"
        info.problems += staged.problems
        info.column_names = dict(staged.column_names)
        frame = staged.frame.copy()
        frame["row"] = frame["row"].astype("int64")
        _stage_frame(con, frame, info)
        return

    # python-calamine (Rust) reads the cells' values twelve times faster than openpyxl (~7 µs a cell, in
    # Python): a workbook the upload limits accept is read in a tenth of a second, not in one. Rows come from
    # A1 whatever the used range, so a row's number is its place in the list; an empty cell is ''.
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    title = sheet.name
    rows = iter(sheet.to_python(skip_empty_area=False))
    header = [_cell_text(h) for h in next(rows, ())]
    while header and header[-1] == "":
        header.pop()
    if not header:
        raise Unreadable("no_header", "the first sheet has no header row")
    if not _check_header(info, header):
        return
    import pandas as pd

    records = []
    for number, values in enumerate(rows, start=2):
        cells = dict(zip(header, values, strict=False))
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue
        rec = {c: _cell_text(cells.get(c)) for c in header}
        rec.update(file=str(path), sheet=title, row=number, value_col="value")
        if info.kind == "measures":
            _vi_value(rec, cells.get("value"), info, number, title)
        records.append(rec)
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=[*header, "file", "row"])
    if info.kind == "measures" and "sheet" not in frame:
        frame["sheet"], frame["value_col"] = title, "value"
    frame["row"] = frame["row"].astype("int64")
    _stage_frame(con, frame.astype({c: "string" for c in frame.columns if c != "row"}), info)


def _vi_value(rec: dict[str, str], raw: object, info: FileInfo, row: int, sheet: str) -> None:
    """A spreadsheet value cell: a number, or text written the Vietnamese way ('3.577', 'trên 90%')."""
    if not isinstance(raw, str):
        return
    qualifier, rest = split_qualifier(raw)
    try:
        rec["value"] = vi_to_machine(rest)
    except NumberFormatError:
        return  # left as text: the not_numeric rule reports it with file, row and column
    if qualifier:
        given = rec.get("qualifier", "")
        if given and given != qualifier:
            info.problems.append(Problem(str(info.path), row, "qualifier", "qualifier_conflict",
                                         f"the value '{raw}' says '{qualifier}' but the qualifier "
                                         f"column says '{given}'", sheet=sheet,
                                         args={"value": raw, "said": qualifier, "given": given}))
        rec["qualifier"] = qualifier


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, info: FileInfo) -> None:
    rel = con.sql("SELECT * FROM read_parquet($p) LIMIT 0", params={"p": str(path)})
    header = list(rel.columns)
    if not _check_header(info, header):
        return
    table, columns = _target(info.kind)
    types = dict(zip(rel.columns, (str(t) for t in rel.types), strict=True))

    def text(c: str) -> str:
        if c not in header:
            return f"'' AS {c}"
        expr = f'CAST("{c}" AS VARCHAR)'
        if types[c] in ("DOUBLE", "FLOAT") or types[c].startswith("DECIMAL"):
            # 31.0 → '31': a float column cannot say how many decimals the source wrote
            expr = f"regexp_replace({expr}, '\\.0$', '')"
        return f"trim(coalesce({expr}, '')) AS {c}"

    origin = "$file AS file, " + ("" if info.kind != "measures" else "'' AS sheet, ")
    origin += "file_row_number + 2 AS \"row\", " + ("" if info.kind != "measures" else "'value' AS value_col, ")
    info.rows = _inserted(con, f"INSERT INTO {table} SELECT {origin}{', '.join(text(c) for c in columns)} "
                          "FROM read_parquet($path, file_row_number = true)", {"file": str(path), "path": str(path)})
