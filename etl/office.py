"""The text of a Word or PDF report, read within bounds (etl.extract_text turns it into blocks).

Word: the body's XML read once with lxml, the style names looked up once from styles.xml, where
python-docx resolved every paragraph's style through its object model (~3 ms a table cell: 10 000
small tables took 293 s). The text is the same as python-docx gives: direct runs of each paragraph
(w:t, tabs, line breaks), superscript runs marked, heading/title/list styles as markdown, table rows
with merged cells repeated across the columns they span, as python-docx's row.cells does.

Both stop once the text passes `max_chars`, and a PDF with no text layer (a scan) says so.
"""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

from lxml import etree

from etl.extract_text import _MARKER
from etl.safety import UPLOAD, without_refused

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# never an entity expanded, a DTD fetched or a tree deeper than lxml's default allows
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
# A report's text, whoever sends it. The extractor's time grows with characters, lines and numbers
# (~3.5 µs a character, ~0.1 ms a line, ~0.1 ms a number); the longest real report has 56 000
# characters, 340 lines and 630 numbers. At these bounds a report is read in about a second.
MAX_CHARS = UPLOAD.report_chars
MAX_LINES = 5_000
MAX_NUMBERS = 5_000
_NUMBER = re.compile(r"\d+")
PDF_SECONDS = 1.5  # a PDF whose text takes longer than this to extract is refused (pypdf's cost per page varies)
PDF_PAGES = 100  # a report of a district runs to 10–30 pages


class ReportRefused(ValueError):
    """The report is over a bound or has no text; the message says so in Vietnamese and English."""


def too_long(name: str, chars: int) -> ReportRefused:
    n_vi, n_en = f"{chars:,}".replace(",", "."), f"{chars:,}"
    return ReportRefused(f"{name}: văn bản dài hơn {n_vi} ký tự, quá dài cho một báo cáo: hãy tách riêng phần có "
                          f"số liệu — the text is longer than {n_en} characters, too long for one report: send the "
                          "part with the figures")


def bound(name: str, texts: list[str]) -> None:
    """Raise ReportRefused if these lines are more text, lines or numbers than one report holds."""
    chars = sum(len(t) for t in texts)
    if chars > MAX_CHARS:
        raise too_long(name, MAX_CHARS)
    lines = sum(1 for t in texts if t.strip())
    numbers = sum(len(_NUMBER.findall(t)) for t in texts)
    for n, most, vi, en in ((lines, MAX_LINES, "dòng (đoạn văn)", "lines (paragraphs)"),
                            (numbers, MAX_NUMBERS, "con số", "numbers")):
        if n > most:
            n_vi, most_vi = f"{n:,}".replace(",", "."), f"{most:,}".replace(",", ".")
            raise ReportRefused(f"{name}: có {n_vi} {vi}, quá {most_vi} cho một báo cáo: hãy tách riêng phần có "
                                f"số liệu — {n:,} {en}, over {most:,} for one report: send the part with the figures")


def docx_lines(path: Path, max_chars: int = MAX_CHARS) -> list[tuple[str, str]]:
    """(text, place) for every paragraph and table row of a .docx, in order, as etl.extract_text wants them."""
    with zipfile.ZipFile(path) as z:
        body_xml = z.read("word/document.xml")
        styles_xml = z.read("word/styles.xml") if "word/styles.xml" in z.namelist() else b""
    names, default = _style_names(styles_xml)
    body = etree.fromstring(body_xml, _PARSER).find(f"{W}body")
    lines: list[tuple[str, str]] = []
    if body is None:
        return lines
    chars = 0
    n_par = n_table = 0
    for child in body:
        if child.tag == f"{W}p":
            n_par += 1
            text = _paragraph(child, names, default)
            lines += [(text, f"paragraph {n_par}"), ("", "")]  # Word paragraphs are never joined by wrapping rules
            chars += len(text)
        elif child.tag == f"{W}tbl":
            n_table += 1
            for r, cells in enumerate(_rows(child, names, default), start=1):
                cells = [c.replace("|", "/") for c in cells]
                lines.append(("| " + " | ".join(cells) + " |", f"table {n_table}, row {r}"))
                if r == 1:
                    lines.append(("|" + "---|" * len(cells), f"table {n_table}, row {r}"))
                chars += sum(len(c) for c in cells)
            lines.append(("", ""))
        if chars > max_chars:
            raise too_long(path.name, max_chars)
    return lines


def _style_names(styles_xml: bytes) -> tuple[dict[str, str], str]:
    """Paragraph style id → name, and the default paragraph style's name."""
    if not styles_xml:
        return {}, ""
    names, default = {}, ""
    for style in etree.fromstring(styles_xml, _PARSER).iter(f"{W}style"):
        if style.get(f"{W}type") != "paragraph":
            continue
        name = style.find(f"{W}name")
        text = name.get(f"{W}val", "") if name is not None else ""
        names[style.get(f"{W}styleId", "")] = text
        if style.get(f"{W}default") in ("1", "true", "on"):
            default = text
    return names, default


def _run_text(run: etree._Element) -> str:
    parts = []
    for e in run:
        tag = e.tag
        if tag == f"{W}t":
            parts.append(e.text or "")
        elif tag in (f"{W}tab", f"{W}ptab"):
            parts.append("\t")
        elif tag == f"{W}cr":
            parts.append("\n")
        elif tag == f"{W}br":
            parts.append("\n" if e.get(f"{W}type", "textWrapping") == "textWrapping" else "")
        elif tag == f"{W}noBreakHyphen":
            parts.append("-")
    text = "".join(parts)
    align = run.find(f"{W}rPr/{W}vertAlign")
    if text and align is not None and align.get(f"{W}val") == "superscript":  # a footnote mark typed as such
        return f"<sup>{text}</sup>"
    return text


def _paragraph(p: etree._Element, names: dict[str, str], default: str) -> str:
    text = "".join(_run_text(r) for r in p.iterchildren(f"{W}r"))
    ref = p.find(f"{W}pPr/{W}pStyle")
    style = names.get(ref.get(f"{W}val", ""), default) if ref is not None else default
    m = re.match(r"(?i)heading\s*(\d)", style or "")
    if m:
        return "#" * int(m.group(1)) + " " + text
    if (style or "").lower() == "title":
        return "# " + text
    if (style or "").lower().startswith("list") and text.strip() and not _MARKER.match(text.strip()):
        return "- " + text
    return text


def _rows(tbl: etree._Element, names: dict[str, str], default: str) -> list[list[str]]:
    """Each row's cells as python-docx's row.cells: a cell spanning n grid columns n times, a vertically
    merged continuation the text of the cell above at the same grid column."""
    out: list[list[str]] = []
    above: dict[int, tuple[int, str]] = {}  # grid offset → (span, text) of the previous row's cells
    for tr in tbl.iterchildren(f"{W}tr"):
        before = tr.find(f"{W}trPr/{W}gridBefore")
        offset = int(before.get(f"{W}val", "0")) if before is not None else 0
        cells: list[str] = []
        here: dict[int, tuple[int, str]] = {}
        for tc in tr.iterchildren(f"{W}tc"):
            span_el = tc.find(f"{W}tcPr/{W}gridSpan")
            span = max(1, int(span_el.get(f"{W}val", "1"))) if span_el is not None else 1
            merge = tc.find(f"{W}tcPr/{W}vMerge")
            if merge is not None and merge.get(f"{W}val", "continue") == "continue" and offset in above:
                span, text = above[offset]
            else:
                text = " ".join(_paragraph(p, names, default) for p in tc.iterchildren(f"{W}p"))
            here[offset] = (span, text)
            cells += [text] * span
            offset += span
        above = here
        out.append(cells)
    return out


def pdf_lines(path: Path, max_chars: int = MAX_CHARS, max_pages: int = PDF_PAGES,
              seconds: float = PDF_SECONDS) -> list[tuple[str, str]]:
    """(text, place) for every line of a PDF's text layer. Raises ValueError for a scan without one, for
    too many pages or too much text, and for text that takes too long to extract."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    pages = len(reader.pages)
    if pages > max_pages:
        raise ReportRefused(f"{path.name}: {pages} trang, quá {max_pages} trang cho một báo cáo: hãy tách riêng "
                             f"phần có số liệu — {pages} pages, over {max_pages} for one report: send the part "
                             "with the figures")
    lines: list[tuple[str, str]] = []
    chars, start = 0, time.monotonic()
    for p, page in enumerate(reader.pages, start=1):
        text = (page.extract_text() or "").replace("\r", "")
        for n, t in enumerate(text.split("\n"), start=1):
            lines.append((without_refused(t), f"page {p}, line {n}"))
        chars += len(text)
        if chars > max_chars:
            raise too_long(path.name, max_chars)
        if time.monotonic() - start > seconds:
            raise ReportRefused(f"{path.name}: đọc văn bản của PDF này quá lâu: hãy gửi bản Word (.docx) hoặc "
                                 "văn bản (.txt) — its text takes too long to extract: send the Word (.docx) or "
                                 "text (.txt) version")
    if not any(t.strip() for t, _ in lines):
        raise ReportRefused(f"{path.name}: PDF không có lớp chữ (có lẽ là bản quét ảnh) nên không đọc được số "
                             "liệu nào: hãy gửi bản Word (.docx) hoặc văn bản (.txt) — the PDF has no text layer "
                             "(a scanned image?), so no figure can be read from it: send the Word (.docx) or text "
                             "(.txt) version")
    return lines
