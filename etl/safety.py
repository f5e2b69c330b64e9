"""Screening an input file before any reader touches it, and the limits on the work it may cause.

A file is judged by its bytes, not its name: a workbook is a ZIP whose parts say what it is (wherever
the ZIP starts: bytes put before it fool no one), a CSV is UTF-8 text without NUL bytes, Parquet
starts and ends with 'PAR1'. Macro-enabled and externally linked workbooks are refused, and so is any
archive that would inflate beyond a sane size (a ZIP bomb) — nothing from an upload is ever executed,
unpickled or followed.

Then the work: rows, columns and cells are counted from what costs nothing to read (newlines, a
Parquet footer, the tags of a workbook's sheets streamed through zlib) and a file over the limits is
refused before a parser builds anything. UPLOAD bounds what anyone at the dashboard can send (each
accepted upload is checked in well under 2 s and 300 MB); COMMAND bounds `python -m etl` (the
national data set is a million rows). Text is held to one rule at the door, for every reader
(etl.readers, rule `control_character`): whitespace-like control characters become spaces, the
others refuse the row; `printable_frame` cleans text stored before the rule for the exports.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO


@dataclass(frozen=True)
class Limits:
    """The most one input may be; each bound protects the server's time or memory (docs/access.md)."""

    bytes: int  # the file as sent
    rows: int  # data rows of a table (a batch of uploads: all its files together)
    columns: int  # header cells
    cells: int  # rows × columns of a CSV or Parquet file (read by DuckDB's own readers)
    sheet_cells: int  # cells in a workbook's sheets, counted from their XML (python-calamine reads them)
    template_cells: int  # the same in a filled data-entry template (etl.template reads it with openpyxl, ~12 µs a cell)
    inflated: int  # a ZIP's parts, once inflated
    report_chars: int  # the text of a report (the extractor reads it sentence by sentence)
    report_parts: int  # a Word report's paragraphs and table cells


MB = 1024 * 1024
UPLOAD = Limits(bytes=20 * MB, rows=50_000, columns=64, cells=400_000, sheet_cells=200_000, template_cells=60_000,
                inflated=60 * MB,
                report_chars=200_000, report_parts=30_000)
COMMAND = Limits(bytes=4096 * MB, rows=5_000_000, columns=64, cells=40_000_000, sheet_cells=3_000_000,
                 template_cells=3_000_000,
                 inflated=512 * MB, report_chars=200_000, report_parts=30_000)
MAX_UPLOAD_BYTES = UPLOAD.bytes
MAX_RATIO = 100  # inflated / compressed, per member
REPORT_XML = 20 * MB  # a Word report's body, inflated (the longest real report's would be well under 1 MB)
MAX_MEMBERS = 2000


class UnsafeUpload(ValueError):
    """The input was refused. str(): '<name>: <Vietnamese sentence> — <English sentence>', each saying
    what is wrong and what to do; `vi` and `en` hold them apart."""

    def __init__(self, name: str, vi: str, en: str) -> None:
        self.name, self.vi, self.en = name, vi, en
        super().__init__(f"{name}: {vi} — {en}")

    def text(self, lang: str) -> str:
        return f"{self.name}: {self.vi if lang == 'vi' else self.en}"


@dataclass(frozen=True)
class Screened:
    kind: str  # csv | xlsx | parquet | docx | pdf | text
    suffix: str  # the suffix the readers expect for this content
    rows: int = field(default=0, compare=False)  # data rows counted (at most; a table's only)
    cells: int = field(default=0, compare=False)


SUFFIXES = {"csv": ".csv", "xlsx": ".xlsx", "parquet": ".parquet", "docx": ".docx", "pdf": ".pdf", "text": ".txt"}


def _n(x: int, lang: str) -> str:
    """A count the reader's way: 50.000 in Vietnamese, 50,000 in English."""
    return f"{x:,}".replace(",", ".") if lang == "vi" else f"{x:,}"


def screen(name: str, data: bytes, *, allow: tuple[str, ...] = ("csv", "xlsx", "parquet"),
           limits: Limits = UPLOAD) -> Screened:
    """Decide what `data` really is and whether its work stays within `limits`. Raises UnsafeUpload."""
    if len(data) > limits.bytes:
        mb = limits.bytes // MB
        raise UnsafeUpload(name, f"tệp nặng {_n(len(data), 'vi')} byte, vượt giới hạn {mb} MB: hãy tách thành "
                                 "các tệp nhỏ hơn",
                           f"{len(data):,} bytes is over the limit of {limits.bytes:,} ({mb} MB): split it into "
                           "smaller files")
    if not data:
        raise UnsafeUpload(name, "tệp rỗng: hãy chọn đúng tệp số liệu", "the file is empty: choose the data file")
    return _screen(name, io.BytesIO(data), len(data), allow, limits, data)


def screen_path(path: Path, *, allow: tuple[str, ...] = ("csv", "xlsx", "parquet"),
                limits: Limits = COMMAND) -> Screened:
    """screen() for a file on disk (python -m etl), read in pieces: a regular file only, never a FIFO or a
    device (which would never end), and never more of it in memory than a ZIP's directory."""
    name = path.name
    try:
        info = os.stat(path)
    except OSError as exc:
        raise UnsafeUpload(name, f"không mở được tệp ({exc.strerror})", f"cannot open it ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeUpload(name, "không phải là một tệp thông thường (một thiết bị, ống dẫn hay thư mục): hãy chỉ "
                                 "ra tệp số liệu",
                           "not a regular file (a device, a pipe or a folder): name the data file itself")
    if info.st_size > limits.bytes:
        raise UnsafeUpload(name, f"tệp nặng {_n(info.st_size, 'vi')} byte, vượt giới hạn {_n(limits.bytes, 'vi')}",
                           f"{info.st_size:,} bytes is over the limit of {limits.bytes:,}")
    if info.st_size == 0:
        raise UnsafeUpload(name, "tệp rỗng", "the file is empty")
    # O_NONBLOCK: had the file been swapped for a FIFO since the stat, opening it must not wait for a writer
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise UnsafeUpload(name, "không phải là một tệp thông thường", "not a regular file")
        return _screen(name, f, info.st_size, allow, limits, None)


def _screen(name: str, f: BinaryIO, size: int, allow: tuple[str, ...], limits: Limits,
            data: bytes | None) -> Screened:
    f.seek(0)
    head = f.read(8)
    f.seek(max(0, size - 4))
    tail = f.read(4)
    f.seek(0)
    rows = cells = 0
    # a ZIP is known by its directory at the end, as every ZIP reader finds it: junk before 'PK' hides nothing
    is_zip = zipfile.is_zipfile(f)
    f.seek(0)
    if is_zip or head[:4] == b"PK\x03\x04":
        kind, rows, cells = _screen_zip(name, f, limits)
    elif head[:4] == b"PAR1" and tail == b"PAR1":
        kind = "parquet"
        if "parquet" in allow:
            rows, cells = _gauge_parquet(name, f, limits)
    elif head[:5] == b"%PDF-":  # read for its text layer only (pypdf): scripts and links are never followed
        kind = "pdf"
    elif head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnsafeUpload(name, "tệp Office kiểu cũ (.xls/.doc) không được nhận: hãy lưu lại thành .xlsx (.docx)",
                           "an old binary Office file (.xls/.doc) is not accepted: save it as .xlsx (.docx)")
    else:
        kind = "text"
        rows, cells = _screen_text(name, f, data, limits, table="csv" in allow)
    if kind == "text" and "csv" in allow:
        kind = "csv"
    if kind not in allow:
        raise UnsafeUpload(name, f"nội dung tệp là {kind}, ở đây chỉ nhận: {', '.join(allow)}",
                           f"its content is {kind}, expected one of: {', '.join(allow)}")
    return Screened(kind=kind, suffix=SUFFIXES[kind], rows=rows, cells=cells)


def _over(name: str, what_vi: str, what_en: str, most: int) -> UnsafeUpload:
    """Over a limit counted by streaming (_count_tags stops a little past it): how many is not known."""
    return UnsafeUpload(
        name, f"có hơn {_n(most, 'vi')} {what_vi}, giới hạn của mỗi tệp: hãy tách thành các tệp nhỏ hơn (ví dụ mỗi "
              "tệp một đơn vị hoặc một năm)",
        f"more than {most:,} {what_en}, the limit a file: split it into smaller files (e.g. one per unit or year)")


def _too_much(name: str, what_vi: str, what_en: str, n: int, most: int) -> UnsafeUpload:
    return UnsafeUpload(
        name, f"có {_n(n, 'vi')} {what_vi}, vượt giới hạn {_n(most, 'vi')} mỗi tệp: hãy tách thành các tệp nhỏ hơn "
              "(ví dụ mỗi tệp một đơn vị hoặc một năm)",
        f"{n:,} {what_en} is over the limit of {most:,} a file: split it into smaller files (e.g. one per unit or "
        "year)")


def check_table(name: str, rows: int, columns: int, limits: Limits, *, sheet: bool = False) -> None:
    """Raise UnsafeUpload if a table of `rows` data rows and `columns` columns is over `limits`."""
    if rows > limits.rows:
        raise _too_much(name, "dòng", "rows", rows, limits.rows)
    if columns > limits.columns:
        raise _too_much(name, "cột", "columns", columns, limits.columns)
    cells, most = rows * max(columns, 1), limits.sheet_cells if sheet else limits.cells
    if cells > most:
        raise _too_much(name, "ô", "cells", cells, most)


def _screen_text(name: str, f: BinaryIO, data: bytes | None, limits: Limits, table: bool) -> tuple[int, int]:
    """NUL anywhere makes it binary; an upload must decode as UTF-8 (a file on disk: its reader says where
    not); a table's rows are its newlines, its columns the header's commas — counted, never parsed."""
    newlines, first, nul = 0, b"", False
    for chunk in iter(lambda: f.read(MB), b""):
        if not first:
            first = chunk.split(b"\n", 1)[0]
        nul = nul or b"\x00" in chunk
        newlines += chunk.count(b"\n")
    save_vi, save_en = ("hãy lưu thành CSV UTF-8", "save it as CSV UTF-8") if table else (
        "hãy lưu thành văn bản UTF-8 (.txt), Word (.docx) hoặc PDF",
        "save it as UTF-8 text (.txt), Word (.docx) or PDF")
    if nul:
        raise UnsafeUpload(name, f"nội dung nhị phân, không phải tệp văn bản: {save_vi}",
                           f"binary content, not a text file: {save_en}")
    if data is not None:
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UnsafeUpload(name, f"không phải văn bản UTF-8 (byte {exc.start}): {save_vi}",
                               f"not UTF-8 text (byte {exc.start}); {save_en}") from None
    if not table:
        chars = len(data.decode("utf-8-sig")) if data is not None else 0
        if chars > limits.report_chars:
            raise _too_much(name, "ký tự", "characters", chars, limits.report_chars)
        return 0, 0
    columns = first.count(b",") + 1  # quoted commas count too: an overestimate, never an underestimate
    rows = max(newlines - 1, 0) + (0 if (data if data is not None else b"\n").endswith(b"\n") else 1)
    check_table(name, rows, columns, limits)
    return rows, rows * columns


def _gauge_parquet(name: str, f: BinaryIO, limits: Limits) -> tuple[int, int]:
    """Rows, columns and values from the footer (51 KB of Parquet may hold two million identical rows), then
    the text the columns would become: 3 KB may hold one 100 KB string as the dictionary of 5 000 rows,
    which a reader copies into every row (half a gigabyte). Nested columns are refused: the contract's
    columns are flat."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(f)
        meta = parquet.metadata
        schema = parquet.schema_arrow
    except Exception:  # a damaged footer: DuckDB's reader says so in its own words
        return 0, 0
    check_table(name, meta.num_rows, meta.num_columns, limits)
    nested = [field.name for field in schema if pa.types.is_nested(field.type)]
    if nested:
        raise UnsafeUpload(name, f"cột {', '.join(nested)} có kiểu lồng nhau (danh sách, cấu trúc): hãy lưu mỗi cột "
                                 "một giá trị",
                           f"column {', '.join(nested)} is nested (a list or a struct): save one value a cell")
    values = sum(meta.row_group(r).column(c).num_values for r in range(meta.num_row_groups)
                 for c in range(meta.num_columns))
    if values > limits.cells:
        raise _too_much(name, "giá trị", "values", values, limits.cells)
    inflated = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if inflated > limits.inflated:
        raise _bomb(name, inflated, limits)
    def textual(t: pa.DataType) -> bool:
        t = t.value_type if pa.types.is_dictionary(t) else t
        return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) or \
            pa.types.is_large_binary(t)

    text = [field.name for field in schema if textual(field.type)]
    f.seek(0)
    dictionaries = pq.ParquetFile(f, read_dictionary=text)
    for group in range(meta.num_row_groups):
        for column in dictionaries.read_row_group(group, columns=text).columns:
            for chunk in column.chunks:
                if pa.types.is_dictionary(chunk.type):  # each row's string counted, none copied
                    lengths = pc.take(pc.binary_length(chunk.dictionary), chunk.indices)
                    inflated += (pc.sum(lengths).as_py() or 0) - chunk.nbytes
                if inflated > limits.inflated:
                    raise _bomb(name, inflated, limits)
    return meta.num_rows, meta.num_rows * meta.num_columns


def _bomb(name: str, inflated: int, limits: Limits) -> UnsafeUpload:
    return UnsafeUpload(name, f"khi giải nén, tệp nở ra {_n(inflated, 'vi')} byte, vượt giới hạn "
                              f"{_n(limits.inflated, 'vi')}: hãy gửi tệp số liệu gốc",
                        f"unpacked, the file expands to {inflated:,} bytes, over the limit of {limits.inflated:,}: "
                        "send the original data file")


def _screen_zip(name: str, f: BinaryIO, limits: Limits) -> tuple[str, int, int]:
    try:
        archive = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnsafeUpload(name, "tệp ZIP/Office bị hỏng: hãy mở bằng Excel (Word) và lưu lại",
                           "a damaged ZIP/Office file: open it in Excel (Word) and save it again") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise UnsafeUpload(name, f"tệp nén có {_n(len(infos), 'vi')} phần, quá nhiều",
                               f"{len(infos)} parts in the archive is too many")
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > MB:
                ratio = info.file_size // max(info.compress_size, 1)
                raise UnsafeUpload(name, f"phần '{info.filename}' giải nén gấp {ratio} lần (một ZIP bomb?): hãy gửi "
                                         "tệp số liệu gốc",
                                   f"part '{info.filename}' inflates {ratio}× (a ZIP bomb?): send the original file")
        if total > limits.inflated:
            raise _bomb(name, total, limits)
        names = {i.filename for i in infos}
        try:
            types = archive.read("[Content_Types].xml").decode("utf-8", "replace") \
                if "[Content_Types].xml" in names else ""
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError, NotImplementedError):
            raise UnsafeUpload(name, "tệp ZIP/Office bị hỏng: hãy mở bằng Excel (Word) và lưu lại",
                               "a damaged ZIP/Office file: open it in Excel (Word) and save it again") from None
        if any(n.lower().endswith("vbaproject.bin") for n in names) or "macroEnabled" in types:
            raise UnsafeUpload(name, "bảng tính (tài liệu) có macro bị từ chối: hãy lưu lại thành .xlsx (.docx) thường",
                               "a macro-enabled workbook is refused; save it as a plain .xlsx (.docx)")
        if "xl/workbook.xml" in names:
            if any(n.startswith("xl/externalLinks/") for n in names):
                raise UnsafeUpload(name, "bảng tính liên kết tới tệp khác: hãy dán giá trị (Paste Values) rồi lưu lại",
                                   "the workbook links to other files; paste the values and save again")
            sheets = [i for i in infos if re.fullmatch(r"xl/worksheets/[^/]+\.xml", i.filename)]
            rows, cells = _count_tags(archive, sheets, rb"row", rb"c", limits.rows + 1, limits.sheet_cells)
            rows = max(rows - 1, 0)  # the header row, as a CSV's
            if rows > limits.rows:
                raise _over(name, "dòng", "rows", limits.rows)
            most = limits.template_cells if _is_template(archive) else limits.sheet_cells
            if cells > most:
                raise _over(name, "ô", "cells", most)
            return "xlsx", rows, cells
        if "word/document.xml" in names:
            body = [i for i in infos if i.filename == "word/document.xml"]
            if body[0].file_size > REPORT_XML:  # one tree in memory (etl.office): a report's is a few MB at most
                raise UnsafeUpload(
                    name, f"nội dung tài liệu giải nén ra {_n(body[0].file_size, 'vi')} byte, quá lớn cho một báo cáo: "
                          "hãy gửi riêng phần có số liệu",
                    f"the document's body inflates to {body[0].file_size:,} bytes, too large for one report: send "
                    "the part with the figures")
            paragraphs, cells = _count_tags(archive, body, rb"p", rb"tc", limits.report_parts, limits.report_parts)
            if paragraphs + cells > limits.report_parts:
                most = limits.report_parts
                raise UnsafeUpload(
                    name, f"có hơn {_n(most, 'vi')} đoạn văn và ô bảng, quá nhiều cho một báo cáo: hãy gửi riêng phần "
                          "có số liệu",
                    f"more than {most:,} paragraphs and table cells, too many for one report: send the part with "
                    "the figures")
            return "docx", 0, 0
    raise UnsafeUpload(name, "tệp ZIP không phải bảng tính hay tài liệu Word: hãy gửi tệp .xlsx hoặc .csv",
                       "a ZIP archive that is neither a workbook nor a Word document: send the .xlsx or .csv file")


def _is_template(archive: zipfile.ZipFile) -> bool:
    """Whether the workbook is the data-entry template (its marker sheet, as etl.template.is_template says)."""
    from etl.template import MARKER_SHEET

    index = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    return re.search(rf'<(?:\w+:)?sheet\b[^>]*\bname="{MARKER_SHEET}"', index) is not None


def _count_tags(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], outer: bytes, inner: bytes,
                most_outer: int, most_inner: int) -> tuple[int, int]:
    """How many <outer …> and <inner …> elements (any namespace prefix) the members hold, streamed through
    zlib a megabyte at a time, stopping once either passes its most (the caller then refuses): the sizes the
    archive claims were bounded above, and a member that inflates further than it claimed ends in
    zipfile's own error."""
    tags = {name: re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?" + name + rb"[\s/>]") for name in (outer, inner)}
    counts = {outer: 0, inner: 0}
    for member in members:
        tail = b""
        try:
            with archive.open(member) as part:
                for chunk in iter(lambda p=part: p.read(MB), b""):
                    text = tail + chunk
                    cut = text.rfind(b"<", max(0, len(text) - 64))  # a tag cut by the chunk waits for the next
                    cut = cut if cut >= 0 else len(text)
                    for name, tag in tags.items():
                        counts[name] += len(tag.findall(text, 0, cut))
                    tail = text[cut:]
                    if counts[outer] > most_outer or counts[inner] > most_inner:  # enough to refuse it
                        return counts[outer], counts[inner]
                for name, tag in tags.items():
                    counts[name] += len(tag.findall(tail))
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError):
            raise UnsafeUpload(archive.filename or "", "tệp ZIP/Office bị hỏng: hãy mở bằng Excel (Word) và lưu lại",
                               "a damaged ZIP/Office file: open it in Excel (Word) and save it again") from None
    return counts[outer], counts[inner]


MAX_FILES = 20  # files in one batch of uploads


def screen_batch(files: list[tuple[str, bytes]], limits: Limits = UPLOAD, lang: str | None = None) -> list[str]:
    """The refusals for a whole batch of uploads, before any is parsed: each file screened, and the
    batch's rows and cells together held to one upload's limits (twenty files of 50 000 rows are one
    upload of a million). Empty when the batch may be checked. Said in `lang` (None: both languages)."""
    def said(exc: UnsafeUpload) -> str:
        return str(exc) if lang is None else exc.text(lang)

    if len(files) > MAX_FILES:
        return [said(UnsafeUpload(f"{len(files)} tệp / files", f"quá {MAX_FILES} tệp một lần: hãy gửi ít tệp hơn",
                                  f"more than {MAX_FILES} files at once: send fewer"))]
    refused, rows, cells = [], 0, 0
    for name, data in files:
        try:
            s = screen(name, data, limits=limits)
        except UnsafeUpload as exc:
            refused.append(said(exc))
            continue
        rows, cells = rows + s.rows, cells + s.cells
    if not refused:
        names = ", ".join(n for n, _ in files)
        try:
            check_table(names, rows, 1, limits)
            if cells > limits.cells:
                raise _too_much(names, "ô", "cells", cells, limits.cells)
        except UnsafeUpload as exc:
            refused.append(said(exc))
    return refused


# -- text at the door ---------------------------------------------------------------------------------

# Control characters a cell or a source may never hold: XML (so Excel, Word, PowerPoint) cannot carry
# them, terminals act on them, and the bidirectional overrides make a name display as something else.
REFUSED_CHARS = "\x00-\x08\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\ufffe\uffff"
# Whitespace-like ones (a tab, a line break from a pasted paragraph, Word's manual line break \x0b)
# become a plain space: they carry no meaning a figure's source needs.
SPACE_CHARS = "\t\n\r\x0b\x0c\x85\u2028\u2029"
_REFUSED = re.compile(f"[{REFUSED_CHARS}]")


def re2_class(chars: str) -> str:
    """A character class for DuckDB's RE2 from the ranges above (\\x{hhhh} escapes, no raw controls in SQL)."""
    return "[" + "".join(c if c == "-" else f"\\x{{{ord(c):04x}}}" for c in chars) + "]"


def refused_char(text: str) -> int:
    """The position of the first character `text` may not hold, -1 if none."""
    m = _REFUSED.search(text)
    return m.start() if m else -1


_XML_BAD = re.compile(f"[{REFUSED_CHARS}\x0b\x0c]")  # what no XML file format (xlsx, docx, pptx, svg) can carry


def printable_frame(frame):  # pd.DataFrame -> pd.DataFrame (pandas is the callers' import, not this module's)
    """`frame` without the refused characters in its text columns, a vertical tab or form feed made a space
    (every file format can then carry it); the frame itself when no cell needs it."""
    changed = {}
    for column in frame.columns:
        series = frame[column]
        if series.dtype.kind != "O" and str(series.dtype) not in ("string", "str"):
            continue
        bad = series.astype(object).map(lambda v: isinstance(v, str) and _XML_BAD.search(v) is not None)
        if bad.any():
            changed[column] = series.where(~bad, series[bad].map(
                lambda v: _REFUSED.sub("", v.replace("\x0b", " ").replace("\x0c", " "))))
    return frame.assign(**changed) if changed else frame


def visible(text: str) -> str:
    """`text` for a terminal: a control character (an escape sequence would act on the terminal) shown as
    its code, as \\u001b."""
    return _REFUSED.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def without_refused(text: str) -> str:
    """`text` without the characters a cell may not hold (a PDF's text layer may carry any)."""
    return _REFUSED.sub("", text)


def neutral(text: str) -> str:
    """`text` without what would make a spreadsheet run it as a formula at its start ('=', '+', '-', '@',
    a tab or a carriage return): for a name the program itself puts at the head of a cell."""
    return text.lstrip("=+-@\t\r\n ") or "_"


# -- work in flight -------------------------------------------------------------------------------------

BUSY_WAIT = 20.0  # seconds a check waits for a free slot before saying the server is busy
_SLOTS = threading.BoundedSemaphore(2)  # the machine's cores: more parses at once only wait for each other


@contextlib.contextmanager
def work_slot(name: str = "", wait: float = BUSY_WAIT) -> Iterator[None]:
    """At most two uploads parsed at once in this server, whoever sends them: a third waits, then is told
    to try again, so many sessions cannot multiply the bound on one upload's memory."""
    if not _SLOTS.acquire(timeout=wait):
        raise UnsafeUpload(name or "…", "máy chủ đang bận kiểm tra các tệp khác: hãy thử lại sau ít phút",
                           "the server is busy checking other files: try again in a few minutes")
    try:
        yield
    finally:
        _SLOTS.release()
