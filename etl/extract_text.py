"""Turning a report file into clean text blocks for the extractor (etl/extract.py).

A report arrives as plain text, markdown, Word or PDF. Whatever the format, it becomes a list of
*blocks*: one heading, list item, paragraph or table row each, with its markup removed (bold, italics,
footnote marks, LaTeX), its hard-wrapped lines joined back together, and for every stretch of text the
place a reader finds it at ("line 75", "paragraph 12", "table 1, row 3", "page 2, line 14").

This module knows shapes only: outline markers, markup, line wrapping. It knows no Vietnamese words;
those live in the `extraction:` section of indicators.yaml.
"""

from __future__ import annotations

import bisect
import html
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf")
PLACE_WORDS = ("line", "paragraph", "table", "row", "page")  # the words of a place ("table 1, row 3")
_PLACE_WORD = re.compile(r"\b(" + "|".join(PLACE_WORDS) + r")\b")


def place_words(place: str, words: dict[str, str]) -> str:
    """'table 1, row 3' with each place word replaced by its translation in `words`."""
    return _PLACE_WORD.sub(lambda m: words.get(m.group(1), m.group(1)), place)


def place_in(place: str, lang: str = "vi") -> str:
    """'table 1, row 3' in the reader's language (text keys place_table, place_row …): 'bảng 1, hàng 3'."""
    from core.i18n import t

    return place_words(place, {w: t(f"place_{w}", lang) for w in PLACE_WORDS})


class DocumentError(ValueError):
    """The file cannot be read as a report."""


@dataclass(frozen=True)
class Line:
    """One physical line (or paragraph, for Word) as the file holds it, markup included."""

    text: str
    place: str


@dataclass
class Block:
    """A heading, list item, paragraph or table row, cleaned, with the places of its parts.

    `rank` orders outline levels (smaller = outer): markdown headings without a number, then I., 1.,
    1.1., 1.1.1., a)/1), (1), -, +, *. A plain paragraph has no rank. `lead_in` marks a plain
    paragraph that introduces what follows (it ends with ':' or is a short title line).
    """

    text: str
    kind: str  # heading | item | para | row | footnote
    rank: float | None = None
    lead_in: bool = False
    places: list[tuple[int, str]] = field(default_factory=list)  # (offset in text, place)
    bullet: str = ""  # '-', '+', '*' for a bulleted item: bullets nest by symbol, not by a fixed rank
    header: list[str] | None = None  # a table row: its table's header cells
    cells: list[str] | None = None  # and its own cells

    def place_at(self, offset: int) -> str:
        if not self.places:
            return ""
        i = bisect.bisect_right(self.places, offset, key=lambda x: x[0]) - 1
        return self.places[max(i, 0)][1]


# -- reading files ------------------------------------------------------------------------------

def read_lines(path: Path) -> list[Line]:
    """The lines of a report file, by format. Raises DocumentError for an unreadable file, and for one
    whose text is beyond what one report holds (the extractor's work grows with it: etl.office.bound)."""
    from etl.office import ReportRefused, bound

    lines = _read_lines(path)
    try:
        bound(path.name, [line.text for line in lines])
    except ReportRefused as exc:
        raise DocumentError(str(exc)) from None
    return lines


def _read_lines(path: Path) -> list[Line]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError(f"{path.name}: unsupported type '{suffix}' (expected {', '.join(SUFFIXES)})")
    try:
        if suffix == ".docx":
            _screen_docx(path)
            return _docx_lines(path)
        if suffix == ".pdf":
            return _pdf_lines(path)
        raw = path.read_bytes()
    except DocumentError:
        raise
    except Exception as exc:  # a corrupt docx/pdf raises whatever its library raises
        raise DocumentError(f"{path.name}: cannot be read: {exc}") from None
    for encoding in ("utf-8-sig", "utf-16", "cp1258"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1258 decodes nearly anything
        raise DocumentError(f"{path.name}: not UTF-8 text")
    return text_lines(text)


def _screen_docx(path: Path) -> None:
    """A Word file is a ZIP: refuse a bomb, a macro-enabled one or a mere archive before unpacking it."""
    from etl.safety import UnsafeUpload, screen

    try:
        screen(path.name, path.read_bytes(), allow=("docx",))
    except UnsafeUpload as exc:
        raise DocumentError(str(exc)) from None


def text_lines(text: str) -> list[Line]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [Line(t, f"line {n}") for n, t in enumerate(text.split("\n"), start=1)]


def _docx_lines(path: Path) -> list[Line]:
    from etl.office import ReportRefused, docx_lines  # lxml over the XML: bounded work (issue 21)

    try:
        return [Line(t, place) for t, place in docx_lines(path)]
    except ReportRefused as exc:
        raise DocumentError(str(exc)) from None


def _pdf_lines(path: Path) -> list[Line]:
    from etl.office import ReportRefused, pdf_lines

    try:
        return [Line(t, place) for t, place in pdf_lines(path)]
    except ReportRefused as exc:
        raise DocumentError(str(exc)) from None


# -- markup -------------------------------------------------------------------------------------

# Every pattern over a line stops at the next opening of its own kind ("<sup>", "[", "**"), so a
# line with thousands of openings and no closing is read in linear time, not quadratic.
_SUP = re.compile(r"<sup>(?:(?!<sup>).)*?</sup>|\[\^[^\[\]]*\]|[\u00b9\u00b2\u00b3\u2070-\u2079]+", re.I | re.S)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_LATEX_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_LATEX_TEXT = re.compile(r"\\(?:text|mathrm|textbf|textit|mathbf|operatorname)\s*\{([^{}]*)\}")
_LATEX_SYMBOLS = {
    r"\%": "%", r"\geq": "≥", r"\ge": "≥", r"\leq": "≤", r"\le": "≤", r"\approx": "≈",
    r"\sim": "~", r"\times": "×", r"\cdot": "·", r"\,": " ", r"\;": " ", r"\:": " ", r"\!": "",
    r"\quad": " ", r"\qquad": " ", r"\ ": " ", "{,}": ",", "{.}": ".",
}
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~)(?=\S)((?:(?!\1).)+?)(?<=\S)\1")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|%$~>])")
_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()]*\)")


def clean_markup(text: str) -> str:
    """Markdown, HTML and LaTeX markup removed; footnote marks dropped (they are not figures)."""
    s = unicodedata.normalize("NFC", text)
    s = _SUP.sub("", s)
    s = re.sub(r"<br\s*/?>", " ", s, flags=re.I)
    s = _TAG.sub("", s)
    s = html.unescape(s)
    if "$" in s or "\\" in s:
        s = _latex(s)
    s = _LINK.sub(r"\1", s)
    for _ in range(2):  # nested emphasis: ***x*** or **_x_**
        s = _EMPHASIS.sub(r"\2", s)
    s = _ESCAPE.sub(r"\1", s)
    s = s.replace("\u00a0", " ").replace("\u2009", " ").replace("\u202f", " ").replace("\t", " ")
    return s


def _latex(s: str) -> str:
    s = _LATEX_FRAC.sub(r"\1/\2", s)
    s = _LATEX_TEXT.sub(r"\1", s)
    for k in sorted(_LATEX_SYMBOLS, key=len, reverse=True):
        s = s.replace(k, _LATEX_SYMBOLS[k])
    s = re.sub(r"(?<!\\)\$\$?", "", s)  # math delimiters
    s = re.sub(r"\\left|\\right", "", s)
    return s


# -- folding for word matching ------------------------------------------------------------------

# Old and new tone placement (hoà / hòa, uỷ / ủy) are the same word. Folding moves the mark to the
# first vowel at the end of a syllable; it keeps the length of the text, so offsets stay valid.
_TONE_MOVE = {}
for _plain, _marked in (("a", "àáảãạ"), ("e", "èéẻẽẹ"), ("y", "ỳýỷỹỵ")):
    _first = "o" if _plain in "ae" else "u"
    _first_marked = "òóỏõọ" if _first == "o" else "ùúủũụ"
    for _i, _m in enumerate(_marked):
        _TONE_MOVE[_first + _m] = _first_marked[_i] + _plain
_TONE_RE = re.compile("(" + "|".join(_TONE_MOVE) + r")(?![a-zà-ỹđ])")


def fold(text: str) -> str:
    """Lower case and one tone placement, same length as `text` (offsets carry over)."""
    low = text.lower()
    if len(low) != len(text):  # a letter whose lower case is longer ("İ"): keep it as it is
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return _TONE_RE.sub(lambda m: _TONE_MOVE[m.group(1)], low)


# -- outline markers and blocks -----------------------------------------------------------------

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$")
_TABLE = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*+\|?\s*+:?-{2,}+:?\s*+(\|\s*+:?-{2,}+:?\s*+)*+\|?\s*$")
_RULE = re.compile(r"^\s*([-*_=~]\s*){3,}$")
_FOOTNOTE = re.compile(r"^\s*(<sup>\s*\d+\s*</sup>|\[\^[^\]]+\]:|[\u00b9\u00b2\u00b3\u2070-\u2079]+)", re.I)
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(.+)\1\s*+[:.]?\s*$")
# outline markers, outermost first; the number is the rank
_MARKERS: tuple[tuple[re.Pattern[str], float], ...] = (
    (re.compile(r"^([IVXLC]{1,6})\s*[.\-–)]\s+"), 1),
    (re.compile(r"^(\d{1,2}(?:\.\d{1,2}){3,})\.?\s+"), 5),
    (re.compile(r"^(\d{1,2}\.\d{1,2}\.\d{1,2})\.?\s+"), 4),
    (re.compile(r"^(\d{1,2}\.\d{1,2})\.?\s+"), 3),
    (re.compile(r"^(\d{1,2})\s*[.\-–]\s+"), 2),
    (re.compile(r"^(\d{1,2}|[a-zđ])\)\s*"), 6),
    (re.compile(r"^([a-zđ])\.\s+"), 6),
    (re.compile(r"^\((\d{1,2}|[a-zđ])\)\s*"), 7),
    (re.compile(r"^[-–—]\s*(?=\S)"), 8),
    (re.compile(r"^\+\s*(?=\S)"), 9),
    (re.compile(r"^[*•·○▪►]\s+"), 10),
)
_MARKER = re.compile("|".join(f"(?:{p.pattern})" for p, _ in _MARKERS))
_TERMINAL = ".:;!?…"


def _marker(text: str) -> tuple[float | None, str]:
    for pattern, rank in _MARKERS:
        m = pattern.match(text)
        if m:
            return rank, text[m.end():]
    return None, text


@dataclass
class _Raw:
    text: str  # cleaned
    place: str
    kind: str  # heading | item | para | row | rule | footnote | blank
    rank: float | None = None
    bullet: str = ""
    cells: list[str] | None = None


def _classify(line: Line) -> _Raw:
    raw = line.text.rstrip()
    if not raw.strip():
        return _Raw("", line.place, "blank")
    if _TABLE.match(raw):
        if _TABLE_RULE.match(raw):
            return _Raw("", line.place, "rule")
        cells = [clean_markup(c).strip() for c in raw.strip().strip("|").split("|")]
        return _Raw(" | ".join(cells), line.place, "row", cells=cells)
    if _RULE.match(raw):
        return _Raw("", line.place, "rule")
    if _FOOTNOTE.match(raw):
        return _Raw(clean_markup(raw).strip(), line.place, "footnote")
    m = _MD_HEADING.match(raw)
    if m:
        body = clean_markup(m.group(2)).strip().strip("#").strip()
        rank, rest = _marker(body)
        return _Raw(rest if rank is not None else body, line.place, "heading",
                    rank if rank is not None else len(m.group(1)) / 10)
    bold = bool(_BOLD_LINE.match(raw))
    text = clean_markup(raw).strip()
    # emphasis opened on this line and closed on a later one ("*1.3. Về trình độ …" wrapped)
    text = re.sub(r"^(\*\*|__|\*|_)(?=\S)", "", text)
    text = re.sub(r"(?<=\S)(\*\*|__|\*|_)$", "", text)
    rank, rest = _marker(text)
    if rank is not None:
        bullet = text[0] if rank >= 8 else ""
        return _Raw(rest.strip(), line.place, "item", rank, "–" if bullet in "-–—" and bullet else bullet)
    if bold:
        return _Raw(text, line.place, "heading", 0.05)
    return _Raw(text, line.place, "para")


def _starts_lower(text: str) -> bool:
    for c in text:
        if c.isalpha():
            return c.islower()
        if not c.isspace() and c not in "\"'“‘(«":
            return False
    return False


def _hard_wrapped(raws: list[_Raw]) -> bool:
    """True when most paragraphs were broken into fixed-width lines (text copied from a PDF)."""
    body = [r for r in raws if r.kind in ("para", "item")]
    if len(body) < 8:
        return False
    open_ends = 0
    for a, b in itertools.pairwise(body):
        if a.text and a.text[-1] not in _TERMINAL and b.kind == "para" and _starts_lower(b.text):
            open_ends += 1
    return open_ends / len(body) > 0.25


def build_blocks(lines: list[Line]) -> list[Block]:
    """Clean, classify and re-join lines into blocks; a markdown table becomes one block per row."""
    raws = [_classify(line) for line in lines]
    wrapped = _hard_wrapped(raws)
    blocks: list[Block] = []
    current: Block | None = None
    blank_since = False
    header: list[str] | None = None  # the header row of the table being read
    for r in raws:
        if r.kind == "rule" and header is not None:
            continue  # the |---| line under a table header
        if r.kind in ("blank", "rule"):
            blank_since = True
            header = None
            continue
        if r.kind == "row":
            if header is None:
                header = r.cells or []
            else:
                blocks.append(Block(r.text, "row", places=[(0, r.place)], header=header, cells=r.cells or []))
            current = None
            continue
        header = None
        if current is not None and _continues(current, r, blank_since, wrapped):
            sep = "" if current.text.endswith("-") and _starts_lower(r.text) else " "
            offset = len(current.text) + len(sep)
            current.text += sep + r.text
            current.places.append((offset, r.place))
        else:
            current = Block(r.text, r.kind, r.rank, places=[(0, r.place)], bullet=r.bullet)
            blocks.append(current)
        blank_since = False
    for b in blocks:
        b.text = re.sub(r"[ ]{2,}", " ", b.text).strip()
        if b.kind == "para":
            # a short line without a full stop is a title over what follows ("Bảng 1. Kết quả năm 2021")
            b.lead_in = b.text.endswith(":") or (len(b.text.split()) <= 12 and b.text[-1:] not in _TERMINAL + ",")
    return [b for b in blocks if b.text]


def _continues(current: Block, r: _Raw, blank_since: bool, wrapped: bool) -> bool:
    """Whether line `r` carries on the block before it (a sentence broken over lines)."""
    if current.kind in ("heading", "row") or r.kind != "para":
        return False
    end = current.text.rstrip()[-1:]
    if _starts_lower(r.text):
        return end not in ".!?" or not blank_since
    if wrapped:
        return end not in ".:!?"
    return False


# -- sentences ----------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“(]?[A-ZÀ-ỸĐ+\-*•])")


def split_sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; a full stop ends a sentence only before a capital or a new item."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        # '3.577. Trong' ends; '3.577 Trong' never reaches here; 'TP. Hồ' is rare enough to accept
        out.append((start, text[start:m.start()]))
        start = m.end()
    out.append((start, text[start:]))
    return [(o, s) for o, s in out if s.strip()]
