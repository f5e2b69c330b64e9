"""Screening an uploaded file before any reader touches it.

An upload is judged by its bytes, not its name: a workbook is a ZIP whose parts say what it is, a
CSV is UTF-8 text without NUL bytes, Parquet starts and ends with 'PAR1'. Macro-enabled and
externally linked workbooks are refused, and so is any archive that would inflate beyond a sane
size (a ZIP bomb) — nothing from an upload is ever executed, unpickled or followed.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_INFLATED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100  # inflated / compressed, per member
MAX_MEMBERS = 2000


class UnsafeUpload(ValueError):
    """The upload was refused; the message says why and what to send instead (English, for logs). `code` and
    `facts` are the same as data, for the page to say it in the reader's language (monitor.problems.refusal)."""

    def __init__(self, message: str, code: str = "", **facts: object) -> None:
        super().__init__(message)
        self.code, self.facts = code, facts


@dataclass(frozen=True)
class Screened:
    kind: str  # csv | xlsx | parquet | docx | pdf | text
    suffix: str  # the suffix the readers expect for this content


def screen(name: str, data: bytes, *, allow: tuple[str, ...] = ("csv", "xlsx", "parquet")) -> Screened:
    """Decide what `data` really is. Raises UnsafeUpload with a message naming the file."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UnsafeUpload(f"{name}: {len(data):,} bytes is over the limit of {MAX_UPLOAD_BYTES:,}",
                           code="too_big", size=len(data), limit=MAX_UPLOAD_BYTES)
    if not data:
        raise UnsafeUpload(f"{name}: the file is empty", code="empty")
    if data[:4] == b"PK\x03\x04":
        kind = _screen_zip(name, data)
    elif data[:4] == b"PAR1" and data[-4:] == b"PAR1":
        kind = "parquet"
    elif data[:5] == b"%PDF-":  # read for its text layer only (pypdf): scripts and links are never followed
        kind = "pdf"
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnsafeUpload(f"{name}: an old binary Office file (.xls/.doc) is not accepted: save it as .xlsx",
                           code="old_office")
    else:
        kind = _screen_text(name, data)
    if kind == "text" and "csv" in allow:
        kind = "csv"
    if kind not in allow:
        raise UnsafeUpload(f"{name}: its content is {kind}, expected one of: {', '.join(allow)}", code="kind",
                           kind=kind, allow=allow)
    return Screened(kind=kind, suffix={"csv": ".csv", "xlsx": ".xlsx", "parquet": ".parquet",
                                       "docx": ".docx", "pdf": ".pdf", "text": ".txt"}[kind])


def _screen_text(name: str, data: bytes) -> str:
    if b"\x00" in data:
        raise UnsafeUpload(f"{name}: binary content, not a text file", code="binary")
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnsafeUpload(f"{name}: not UTF-8 text (byte {exc.start}); save it as CSV UTF-8",
                           code="not_utf8") from None
    return "text"


def _screen_zip(name: str, data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UnsafeUpload(f"{name}: a damaged ZIP/Office file", code="damaged") from None
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UnsafeUpload(f"{name}: {len(infos)} parts in the archive is too many", code="too_many_parts")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > 1024 * 1024:
            ratio = info.file_size // max(info.compress_size, 1)
            raise UnsafeUpload(f"{name}: part '{info.filename}' inflates {ratio}× (a ZIP bomb?)", code="bomb")
    if total > MAX_INFLATED_BYTES:
        raise UnsafeUpload(f"{name}: the archive inflates to {total:,} bytes, over {MAX_INFLATED_BYTES:,}", code="bomb")
    names = {i.filename for i in infos}
    types = archive.read("[Content_Types].xml").decode("utf-8", "replace") if "[Content_Types].xml" in names else ""
    if any(n.lower().endswith("vbaproject.bin") for n in names) or "macroEnabled" in types:
        raise UnsafeUpload(f"{name}: a macro-enabled workbook is refused; save it as a plain .xlsx", code="macro")
    if "xl/workbook.xml" in names:
        if any(n.startswith("xl/externalLinks/") for n in names):
            raise UnsafeUpload(f"{name}: the workbook links to other files; paste the values and save again",
                                code="links")
        return "xlsx"
    if "word/document.xml" in names:
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise UnsafeUpload(f"{name}: a macro-enabled document is refused", code="macro")
        return "docx"
    raise UnsafeUpload(f"{name}: a ZIP archive that is neither a workbook nor a Word document", code="other_zip")
