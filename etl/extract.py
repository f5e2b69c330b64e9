"""Reading the figures out of a report (`python -m etl extract`, CONTRACT.md).

A report says "Năm 2021 có 56/58 tổ chức cơ sở đảng được xếp loại hoàn thành tốt nhiệm vụ (tỷ lệ
96,5%); trong đó, có 13 tổ chức hoàn thành xuất sắc nhiệm vụ (tỷ lệ 23,2%)". The extractor proposes
the measures a person would type from it, in the contract's long form, each with its sentence and
place as `source`; every number it sees but cannot place is listed, never dropped.

How a number gets its meaning (all words come from indicators.yaml `extraction:`):
- the *number shapes*: a count (3.577), a fraction a/b, a percent (99,74%), a bound before or after
  ("trên 90%"), a stated zero ("không có … không hoàn thành nhiệm vụ");
- its *own words*: the words after it up to the first comma or bracket ("56/58 tổ chức cơ sở đảng …
  hoàn thành tốt nhiệm vụ"), else the words before it back to the previous figure ("Hoàn thành xuất
  sắc nhiệm vụ: 210/946"); they name the subject (tổ chức cơ sở đảng, đảng viên …), its tier, the key
  (status, rating level, qualification), a dimension, an organisation type;
- *context*, when its own words are silent: the sentence and paragraph so far, then the headings and
  lead-in lines above it ("- Cấp tỉnh: …, trong đó:"), which an outline stack keeps;
- *parts*: after "trong đó" a number is part of the one before; a part at a level its whole cannot
  contain turns the whole into the catalogue's sum ("56 … hoàn thành tốt; trong đó 13 … xuất sắc"
  → 56 is good-or-better);
- *the catalogue*: a measure id is proposed only if it exists; a/b's b is the measure's `whole`; a
  percent becomes the indicator whose numerator and denominator fit, the denominator chosen by the
  report's own arithmetic when several fit ("(tỷ lệ 31%)" after 18 of 55 good-or-better and 58 rated
  is 18/58, the excellent rate); a stated percent that fits no count is kept and reported as a slip.

Precision first (issue 17): a wrong figure proposed costs more than one left for the officer, so a
number is proposed only when its own words or its heading pin the group, the level or status, the
year and the scope. A level said in an earlier sentence does not carry; a count naming a noun of its
own takes no group from before; a figure in brackets is an aside; "tăng/giảm/vượt …%" is a change;
targets ("phấn đấu", "chỉ tiêu đề ra", a "Nghị quyết …" segment) are never results; "tương ứng"
figures stand for those said before, for the year they name. Every other number is unplaced with a
reason code (indicators.yaml `extraction: reasons:`), rendered in the reader's language at the edge.
"""

from __future__ import annotations

import bisect
import csv
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.agreement import agrees, rate
from core.catalog import Catalog, CatalogError, default_catalog
from core.numbers import vi_to_machine
from etl.extract_lexicon import Hit, Key, Lexicon, PeriodWord, Subject, lexicon_for
from etl.extract_text import (
    SUFFIXES,
    Block,
    DocumentError,
    build_blocks,
    fold,
    place_in,
    read_lines,
    split_sentences,
    text_lines,
)
from etl.model import MEASURE_COLUMNS
from etl.safety import neutral

UNPLACED_COLUMNS = ("value", "place", "reason", "sentence")
_UNIT_CODE = re.compile(r"^[A-Za-z0-9_-]+$")
_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"
_NUMBER = re.compile(rf"(?<![\w.,])({_NUM})(?![\d])")
_SLASH = re.compile(rf"\s*/\s*({_NUM})(?![\d])")
_PCT = re.compile(r"\s*\\?%")
_DOC_REF_AFTER = re.compile(r"^\s*[-–]\s*[A-ZĐ][\wĐđ]*\s*/")
_CODE_BEFORE = re.compile(r"[A-Za-zÀ-ỹĐđ][-–]\s*$")
_YEAR_RANGE_AFTER = re.compile(r"^\s*[-–]\s*\d{4}(?!\d)")
_YEAR_RANGE_BEFORE = re.compile(r"\d{4}\s*[-–]\s*$")
_DATE_TAIL = re.compile(r"\s*/\s*\d+")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
# A sentence's spaces are collapsed to one, so the shapes looked for next to a number fit in a few
# characters; looking only there keeps a sentence of thousands of figures linear, not quadratic.
_NEAR = 16
_NEAR_REF = 64
_STOPS = ",;:()[]"
_STOP, _SEMICOLON = re.compile("[" + re.escape(_STOPS) + "]"), re.compile(";")
_CLOSER, _OPEN, _SHUT = re.compile(r"[);]"), re.compile(r"\("), re.compile(r"\)")
# a table cell holding only a figure; possessive runs and a look-ahead for the digit, so a cell of
# thousands of digits is not tried digit by digit
_NUMBER_CELL = re.compile(r"[\s~≈<>≤≥]*+(?=[\d.,/ ]*\d)[\d.,/ ]*+%?\s*")
AMBIGUOUS = Subject(id="?", prefix="", tracked=False)


# -- results ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Slip:
    """A stated percentage that its own counts do not give: a slip in the report (or in the reading).
    Data, not words: slip_text (or a page) says it in the reader's language."""

    place: str  # where the sentence is ("line 109", "table 1, row 3"; place_in says it in words)
    measure: str  # the indicator the percentage was read as (and proposed as, its value kept)
    stated: str  # as the report writes it ("1,89%")
    computed: float  # the percentage the counts give
    sentence: str  # the whole sentence
    year: int
    period: str
    org_type: str = ""


@dataclass(frozen=True)
class Origin:
    """Where a proposed row was read: its place in the report and the whole sentence."""

    place: str
    sentence: str


@dataclass
class ExtractResult:
    """Proposed rows (contract columns, values as machine text) and the numbers left unplaced."""

    rows: list[dict[str, str]] = field(default_factory=list)
    unplaced: list[dict[str, str]] = field(default_factory=list)  # reason: a code (reason_text renders it)
    slips: list[Slip] = field(default_factory=list)
    year: int = 0  # the report's year the rows were read for
    origins: list[Origin] = field(default_factory=list)  # each row's place and sentence, as `rows`
    docname: str = ""  # the report's name as every row's source starts with it ('' for a text)

    def source(self, i: int, lang: str = "vi") -> str:
        """Row i's source with its place in `lang`: 'Báo cáo.txt, dòng 75: Năm 2021 có …'."""
        o = self.origins[i]
        where = place_in(o.place, lang)
        return f"{self.docname}, {where}: {o.sentence}" if self.docname else f"{where}: {o.sentence}"

    def marks(self, row: dict[str, str]) -> list[str]:
        """Reason codes a proposed row carries: 'other_year' when it is not the report's year."""
        return ["other_year"] if self.year and row.get("year") != str(self.year) else []


def reason_text(code: str, lang: str = "vi", catalog: Catalog | None = None) -> str:
    """An unplaced number's reason code (or a row's mark) in the reader's language."""
    return lexicon_for(catalog or default_catalog()).reason_text(code, lang)


def slip_text(slip: Slip, lang: str = "vi", catalog: Catalog | None = None) -> str:
    """A slip in the reader's language: 'dòng 109: tỷ lệ 1,89% (…) không khớp với các số lượng, tính lại
    được 1,86%.' The sentence itself is left to the caller (a table's column, a terminal's short quote)."""
    from core.i18n import fmt_number, t

    catalog = catalog or default_catalog()
    ind = catalog.indicators.get(slip.measure)
    return t("slip_sentence", lang, place=place_in(slip.place, lang), stated=slip.stated,
             measure=ind.name(lang) if ind is not None else slip.measure,
             computed=fmt_number(slip.computed, lang, 2) + "%")


# -- internal shapes ----------------------------------------------------------------------------

@dataclass
class Num:
    kind: str  # count | frac | pct
    start: int
    end: int
    text: str  # as written
    value: str  # machine text (a for a fraction)
    b_text: str = ""
    b_value: str = ""
    qualifier: str = ""
    unit: str | None = None  # a non-count unit right after ("6 tháng")
    fault: str = ""  # a reason code: why it cannot be a figure at all (too_large, change, excess)
    word: bool = False  # a count written as a word ("một")


@dataclass
class Pct:
    num: Num
    phrase: tuple[int, int] | None = None  # its "so với …" words
    immediate: bool = False  # right after its count ("= 99,74%", "(tỷ lệ 96,5%)")
    phrase_hits: list[Hit] | None = None  # the phrase's hits, kept when the sentence's analysis is let go


@dataclass
class Sentence:
    text: str
    folded: str
    hits: list[Hit]
    place: str
    source: str
    order: int = 0
    nums: list[Num] = field(default_factory=list)
    excluded: list[tuple[int, int]] = field(default_factory=list)
    # sorted positions for bisecting: a long sentence must not be scanned once per figure
    starts: list[int] = field(default_factory=list)  # of hits (sorted, never overlapping)
    num_starts: list[int] = field(default_factory=list)
    closers: list[int] = field(default_factory=list)  # ')' and ';'
    opens: list[int] = field(default_factory=list)  # '('
    shuts: list[int] = field(default_factory=list)  # ')'
    marks: list[tuple[int, int, PeriodWord | None, int | None]] = field(default_factory=list)  # _time
    segment_words: list[int] = field(default_factory=list)  # indices of hits holding a segment blocker
    segment_starts: list[int] = field(default_factory=list)

    def hit_at(self, pos: int, *, strict: bool = False) -> Hit | None:
        """The hit covering `pos` (start <= pos < end; start < pos < end when strict)."""
        i = (bisect.bisect_left if strict else bisect.bisect_right)(self.starts, pos) - 1
        return self.hits[i] if i >= 0 and self.hits[i].end > pos else None

    def first_hit_from(self, pos: int) -> Hit | None:
        i = bisect.bisect_left(self.starts, pos)
        return self.hits[i] if i < len(self.hits) else None

    def hits_between(self, s: int, e: int) -> list[Hit]:
        """Hits lying wholly inside [s, e)."""
        out = []
        for i in range(bisect.bisect_left(self.starts, s), len(self.hits)):
            h = self.hits[i]
            if h.start >= e:
                break
            if h.end <= e:
                out.append(h)
        return out

    def next_num(self, pos: int, *, after: bool = False) -> int | None:
        """Start of the first figure at `pos` or later (strictly after it when `after`)."""
        i = (bisect.bisect_right if after else bisect.bisect_left)(self.num_starts, pos)
        return self.num_starts[i] if i < len(self.num_starts) else None

    def nums_between(self, s: int, e: int) -> list[Num]:
        return self.nums[bisect.bisect_left(self.num_starts, s):bisect.bisect_left(self.num_starts, e)]


def _next_at(sorted_positions: list[int], pos: int, *, after: bool = False) -> int | None:
    i = (bisect.bisect_right if after else bisect.bisect_left)(sorted_positions, pos)
    return sorted_positions[i] if i < len(sorted_positions) else None


def _first(*candidates: int | None) -> int:
    return min(c for c in candidates if c is not None)


@dataclass
class Group:
    """A count (or a lone percent, or a stated zero) with the percents that belong to it."""

    sent: Sentence
    count: Num | None
    pcts: list[Pct] = field(default_factory=list)
    zero: bool = False
    after: tuple[int, int] = (0, 0)
    before: tuple[int, int] = (0, 0)
    part_of: Group | None = None
    subject: Subject | None = None
    tier: str | None = None
    keys: Any = None  # list[Key] (alternatives) or tuple of level ids (a sum)
    dimension: str | None = None
    org_type: str | None = None
    year: int = 0
    period: str = "Y"
    blocked: str | None = None
    measure: str | None = None
    b_measure: str | None = None
    reason: str = ""
    shared_keys: Any = None  # "91,4% TCCS Đảng và 98% đảng viên hoàn thành tốt": the next one's keys
    shared_from: Group | None = None  # "117/120 TCCS Đảng và 11.917 đảng viên": the previous one's
    respective: bool = False

    @property
    def end(self) -> int:
        ends = [self.after[1]] + [p.num.end for p in self.pcts] + [p.phrase[1] for p in self.pcts if p.phrase]
        return max(ends)


_CTX_KEYS = ("subject", "tier", "keys", "dimension", "org_type", "time")


def _merge(stack: list[dict[str, Any]]) -> dict[str, Any]:
    """Context from the outline stack, outer to inner; a new subject clears what was said of the old."""
    out: dict[str, Any] = {"blocked": None}
    for entry in stack:
        if entry.get("subject") is not None:
            for k in ("tier", "keys", "dimension", "org_type"):
                out.pop(k, None)
        for k in _CTX_KEYS:
            if entry.get(k) is not None:
                out[k] = entry[k]
        out["blocked"] = out["blocked"] or entry.get("blocked")
    return out


# -- the extractor ------------------------------------------------------------------------------

class _Extractor:
    def __init__(self, catalog: Catalog, unit: str, year: int, docname: str) -> None:
        self.cat = catalog
        self.lx: Lexicon = lexicon_for(catalog)
        self.unit = unit
        self.year = year
        self.docname = docname
        term = catalog.term_of(year)
        self.term_start = term.start if term else year
        self.groups: list[Group] = []
        self._order = 0
        self.unplaced: list[dict[str, Any]] = []
        self.slips: list[Slip] = []
        self._wholes: dict[str, Group] = {}  # the last whole of each subject in the block, for its parts
        # the first of a "tương ứng" list, its length, and the levels named before its word
        self._respective: list[tuple[Group, int, list[Key]]] = []
        self._total_key = self.lx.keys.get("total")
        self._promoted: set[tuple[str, str]] = set()  # (read as, made by a 'trong đó' part) measures
        self._leaves = {m: self._leaf_set(m) for m in catalog.measures}
        self._by_leaves: dict[frozenset[str], str] = {}
        for m, leaves in self._leaves.items():
            if self.cat.measures[m].derived_sum:
                self._by_leaves.setdefault(leaves, m)
        self._indicators: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}
        self._by_numerator: dict[tuple[str, ...], list[str]] = {}
        for ind in catalog.indicators.values():
            if ind.is_rate:
                self._indicators.setdefault((tuple(ind.numerator), tuple(ind.denominator)), ind.id)
                self._by_numerator.setdefault(tuple(ind.numerator), []).append(ind.id)

    def _leaf_set(self, m: str) -> frozenset[str]:
        meas = self.cat.measures[m]
        if not meas.derived_sum:
            return frozenset([m])
        return frozenset().union(*(self._leaf_set(d) for d in meas.derived_sum))

    # -- document walk --------------------------------------------------------------------------
    def run(self, blocks: list[Block]) -> ExtractResult:
        stack: list[tuple[float, bool, dict[str, Any]]] = []  # (rank, plain lead-in, context)
        for block in blocks:
            if block.kind == "footnote":
                self._block(block, {"blocked": None})
                continue
            rank = block.rank
            if block.bullet:
                # a bullet is the sibling of the last item with its symbol, else a child of the top
                same = [i for i, (_, _, c) in enumerate(stack) if c.get("bullet") == block.bullet]
                numbered = [i for i, (r, _, c) in enumerate(stack) if not c.get("bullet") and r < 8]
                if same and (not numbered or same[-1] > numbered[-1]):
                    rank = stack[same[-1]][0]
                else:
                    rank = max(8.0, (stack[-1][0] + 0.1) if stack else 8.0)
            if rank is not None:
                while stack and stack[-1][0] >= rank:
                    stack.pop()
            elif block.kind == "para":
                while stack and stack[-1][1]:
                    stack.pop()
            ctx = _merge([c for _, _, c in stack])
            pushed = self._block(block, ctx)
            pushed["bullet"] = block.bullet
            if rank is not None:
                stack.append((rank, False, pushed))
            elif block.kind == "para" and block.lead_in:
                rank = (stack[-1][0] if stack else 0) + 0.5
                stack.append((rank, True, pushed))
        return self._finish()

    def _block(self, block: Block, ctx: dict[str, Any]) -> dict[str, Any]:
        """Read one block; return the context it hands to the blocks under it."""
        text = self._row_text(block) if block.kind == "row" else block.text
        running = {k: ctx.get(k) for k in _CTX_KEYS}
        state: dict[str, Any] = {"last": None}
        sentences = split_sentences(text)
        all_hits: list[Hit] = []
        trailing: list[Hit] = []
        times = []
        last_blocked = None
        made = 0
        self._wholes = {}
        first = len(self.groups)
        for offset, raw in sentences:
            sent = self._sentence(raw, block.place_at(offset))
            # a rating level said in an earlier sentence does not carry to this one's counts (only a
            # heading's or lead-in's does): "Có 11 chi bộ thành nhiệm vụ" is not the level before it;
            # but a result restates the target just before it ("Chỉ tiêu 1: …. Kết quả: năm 2021 đạt …")
            if last_blocked != "target":
                running["keys"] = ctx.get("keys")
            all_hits += sent.hits
            times.append(self._time(sent, len(sent.text)))
            last_blocked = self._sentence_blocker(sent)
            n_groups = self._read_sentence(sent, running, ctx, state)
            made += n_groups
            if n_groups:
                tail_from = max(g.end for g in self.groups[-n_groups:])
                trailing = [h for h in sent.hits if h.start >= tail_from]
            elif made:
                trailing += sent.hits
        if made:
            # words after the last figure introduce what follows ("…; trong đó, trình độ chuyên môn:")
            out = dict(running)
            said = self._mentions(trailing)
            if said.get("subject") is not None and said["subject"] is not out.get("subject"):
                for k in ("tier", "keys", "dimension", "org_type"):
                    out[k] = None
            out.update({k: v for k, v in said.items() if v is not None and k in _CTX_KEYS})
            out["blocked"] = last_blocked
            self._release(first)
            return out
        said = self._mentions(all_hits)
        known = {t for t in times if t is not None}
        if len(known) == 1:
            said["time"] = known.pop()
        return said

    def _release(self, first: int) -> None:
        """Let go of what the block's sentences were read with (their hits, folded text, positions):
        the rows need only each sentence's text, place and order, so memory follows the figures
        found, not the length of the text."""
        for g in self.groups[first:]:
            for p in g.pcts:
                if p.phrase and p.phrase_hits is None:
                    p.phrase_hits = self._hits_in(g.sent, p.phrase, phrase=True)
        for g in self.groups[first:]:
            sent = g.sent
            if sent.hits or sent.folded:
                sent.folded, sent.hits, sent.starts, sent.nums, sent.num_starts = "", [], [], [], []
                sent.closers, sent.opens, sent.shuts, sent.marks, sent.excluded = [], [], [], [], []
                sent.segment_words, sent.segment_starts = [], []

    def _row_text(self, block: Block) -> str:
        """A table row as a sentence: its label cells, then each number after its column header."""
        header, cells = block.header or [], block.cells or []
        labels, pieces = [], []
        for i, cell in enumerate(cells):
            head = header[i] if i < len(header) else ""
            if self.lx.is_skip_header(head):
                continue
            if _NUMBER_CELL.fullmatch(cell):
                value = cell.strip()
                if "%" not in value and "/" not in value and self.lx.is_rate_header(head):
                    value += "%"
                if re.fullmatch(r"\s*\d{4}\s*", head):
                    head = f"{self.lx.year_word} {head.strip()}"
                pieces.append(f"{head} {value}".strip())
            elif cell:
                labels.append(cell)
        joiner = "; " if any(re.search(r"(?<!\d)\d{4}(?!\d)", p.rsplit(" ", 1)[0]) for p in pieces) else ", "
        head = " ".join(labels)
        return (head + ": " if head else "") + joiner.join(pieces) + "."

    def _mentions(self, hits: list[Hit]) -> dict[str, Any]:
        """What a heading without figures says about the blocks under it."""
        out: dict[str, Any] = {k: None for k in _CTX_KEYS}
        subjects = {v.id: v for h in hits for v in h.of("subject") + h.of("untracked")}
        if len(subjects) == 1:
            out["subject"] = next(iter(subjects.values()))
        elif subjects:
            out["subject"] = AMBIGUOUS
        for cat in ("tier", "dimension", "org_type"):
            vals = {v for h in hits for v in h.of(cat)}
            if len(vals) == 1:
                out[cat] = vals.pop()
        levels = {k.id for h in hits for k in h.of("key") if k.level}
        if len(levels) == 1:
            out["keys"] = [self.lx.keys[levels.pop()]]
        blockers = [b for h in hits for b in h.of("blocker") if b[1] == "sentence"]
        out["blocked"] = blockers[0][0] if blockers else None
        return out

    # -- one sentence ---------------------------------------------------------------------------
    def _sentence(self, raw: str, place: str) -> Sentence:
        text = re.sub(r"\s+", " ", raw).strip()
        folded = fold(text)
        where = f"{self.docname}, {place}" if self.docname else place
        self._order += 1
        sent = Sentence(text, folded, self.lx.hits(folded), place, f"{where}: {text}", self._order)
        sent.starts = [h.start for h in sent.hits]
        sent.nums = self._numbers(sent)
        sent.num_starts = [n.start for n in sent.nums]
        sent.closers = [m.start() for m in _CLOSER.finditer(text)]
        sent.opens = [m.start() for m in _OPEN.finditer(text)]
        sent.shuts = [m.start() for m in _SHUT.finditer(text)]
        sent.marks = self._time_marks(sent)
        sent.segment_words = [i for i, h in enumerate(sent.hits) if any(b[1] == "segment" for b in h.of("blocker"))]
        sent.segment_starts = [sent.hits[i].start for i in sent.segment_words]
        return sent

    def _numbers(self, sent: Sentence) -> list[Num]:
        """The figures of a sentence; dates, years, references and footnote marks are not figures."""
        text, folded = sent.text, sent.folded
        out: list[Num] = []
        pos = 0
        while True:
            m = _NUMBER.search(text, pos)
            if not m:
                break
            start, end = m.start(1), m.end(1)
            pos = end
            a = m.group(1)
            slash = _SLASH.match(text, end)
            whole_at = self.lx.fraction_word_at(folded, end) if not slash else None
            if whole_at is not None:
                slash = _NUMBER.match(text, whole_at)
            b = None
            if slash:
                b = slash.group(1)
                end2 = slash.end()
                date = _DATE_TAIL.match(text, end2)
                if date:  # a date, 22/12/2020
                    pos = date.end()
                    continue
            if sent.hit_at(start):
                continue  # part of a phrase ("6 tháng đầu năm 2023")
            if (_CODE_BEFORE.search(text[max(0, start - _NEAR):start])
                    or _DOC_REF_AFTER.match(text[end:end + _NEAR_REF])):
                continue  # Covid-19, 21-HD/BTCTW
            if b is None and re.fullmatch(r"\d{1,2}(?:\.\d{1,2})+", a) and re.match(r"\.\s", text[end:end + 2]):
                continue  # an outline number inside a line ("… 1.3. Về trình độ")
            if self._after_word("date", folded, start) or self._after_word("reference", sent, start):
                pos = slash.end() if slash else end
                continue
            if b is None and re.fullmatch(r"(19|20)\d\d", a) and not _PCT.match(text, end):
                continue  # a year; its meaning is read with the sentence's time
            if b is None and (_YEAR_RANGE_AFTER.match(text[end:end + _NEAR])
                              or _YEAR_RANGE_BEFORE.search(text[max(0, start - _NEAR):start])):
                continue
            try:
                va = _machine(a)
                vb = _machine(b) if b is not None else ""
            except ValueError:
                continue
            fault = "" if all(math.isfinite(float(v)) for v in (va, vb) if v) else "too_large"
            if b is not None:
                num = Num("frac", start, slash.end(), text[start:slash.end()], va, b, vb)
                pos = slash.end()
            else:
                pct = _PCT.match(text, end)
                if pct:
                    num = Num("pct", start, pct.end(), text[start:pct.end()], va)
                    pos = pct.end()
                else:
                    num = Num("count", start, end, a, va)
            num.fault = fault
            change = self._change_before(sent, start)
            if change and not num.fault:
                num.fault = change
            bound = self.lx.bound_before(folded, start)
            if bound:
                num.qualifier = bound[0]
            after = self.lx.bound_after(folded, num.end)
            if after:
                num.qualifier = num.qualifier or after[0]
            if num.kind == "count":
                num.unit = self.lx.unit_after(folded, num.end)
            out.append(num)
        words = []
        for s, e, value in self.lx.number_words_in(folded):
            nxt = sent.first_hit_from(e)
            if (nxt is not None and not folded[e:nxt.start].strip() and nxt.has("subject")
                    and sent.hit_at(s) is None):
                words.append(Num("count", s, e, text[s:e], str(value), word=True))
        if words:
            out = sorted(out + words, key=lambda n: n.start)
        return out

    def _change_before(self, sent: Sentence, start: int) -> str:
        """'tăng 1,71%', 'vượt 18%': a change or an excess word right before the number."""
        i = bisect.bisect_left(sent.starts, start) - 1
        if i < 0:
            return ""
        h = sent.hits[i]
        if h.has("change") and not sent.folded[h.end:start].strip():
            return h.of("change")[0]
        return ""

    def _after_word(self, which: str, where: Any, start: int) -> bool:
        """A date word right before the number, or a reference word no longer phrase swallows."""
        folded = where.folded if isinstance(where, Sentence) else where
        span = self.lx.word_before(which, folded, start)
        if span is None:
            return False
        if isinstance(where, Sentence):  # "tổng số 675" is a count, "Chương trình số 03" is a name
            return where.hit_at(span[0], strict=True) is None
        return True

    def _sentence_blocker(self, sent: Sentence) -> str | None:
        for h in sent.hits:
            for reason, scope, _ in h.of("blocker"):
                # "đạt 101% chỉ tiêu", "9/9 chỉ tiêu": the word right after a number is its
                # denominator or its unit, not a target the sentence states
                if scope == "sentence" and not (reason == "target" and re.search(
                        r"[\d%]\s*$", sent.folded[max(0, h.start - 3):h.start])):
                    return reason
        return None

    def _segment_blocker(self, sent: Sentence, pos: int, keys: Any) -> str | None:
        """A segment-scope blocker word before `pos` with no ';' or ')' between them."""
        key_ids = {k.id for k in keys} if isinstance(keys, list) else set(keys or ())
        # nearest first; once a ';' or ')' stands between, every earlier word is cut off too
        for i in reversed(sent.segment_words[:bisect.bisect_left(sent.segment_starts, pos)]):
            h = sent.hits[i]
            closer = _next_at(sent.closers, h.end)
            if closer is not None and closer < pos:
                return None
            for reason, scope, unless in h.of("blocker"):
                if scope == "segment" and not (unless and unless in key_ids):
                    return reason
        return None

    def _read_sentence(self, sent: Sentence, running: dict[str, Any], ctx: dict[str, Any],
                       state: dict[str, Any]) -> int:
        """Group the sentence's figures, resolve what each counts; returns the number of groups."""
        stops = self._stops(sent)
        clauses = self._clauses(sent)
        sent_block = self._sentence_blocker(sent)
        groups: list[Group] = []
        for c_start, c_end, is_part in clauses:
            whole = state["last"] if is_part else None
            nums = []
            for n in sent.nums_between(c_start, c_end):
                if n.fault:
                    self._lose(n.text, Group(sent, n), n.fault)
                elif n.unit:  # "6 tháng", "03 cuộc": not a count of the subject
                    self._lose(n.text, Group(sent, n), "other_unit")
                else:
                    nums.append(n)
            clause_groups: list[Group] = []
            boundary = c_start
            run: list[Group] = []  # the figures of a "tương ứng" list
            run_keys: list[Key] = []
            for n in nums:
                between = self._hits_in(sent, (boundary, n.start))
                word = next((h for h in between if h.has("respective")), None)
                opens_list = n.kind == "pct" and (word is not None or self._other_year_list(sent, boundary, n))
                if opens_list and run:
                    self._respective.append((run[0], len(run), run_keys))
                    run = []
                if opens_list or (n.kind == "pct" and run
                                  and sent.folded[boundary:n.start].strip(" ") in self.lx.linkers):
                    if not run:
                        # "tỷ lệ hoàn thành tốt … và không hoàn thành … lần lượt là a% và b%"
                        # (the levels count only when no percent stands before the word: else the
                        # list stands for those percents)
                        levels = [k for h in sent.hits_between(c_start, word.start) for k in h.of("key")
                                  if k.level] if word is not None and not any(
                            x.kind == "pct" for x in sent.nums_between(c_start, word.start)) else []
                        run_keys = [k for i, k in enumerate(levels) if i == 0 or levels[i - 1] != k]
                    g = Group(sent, None, pcts=[Pct(n)], respective=True, before=(boundary, n.start))
                    run.append(g)
                    clause_groups.append(g)
                    boundary = n.end
                    continue
                if run:
                    self._respective.append((run[0], len(run), run_keys))
                    run = []
                current = clause_groups[-1] if clause_groups else None
                if n.kind == "pct" and current is not None and current.count is not None and not current.respective:
                    pct = self._attach(sent, current, n, boundary, stops)
                    if pct is not None:
                        current.pcts.append(pct)
                        boundary = max(boundary, n.end, pct.phrase[1] if pct.phrase else 0)
                        continue
                g = Group(sent, n if n.kind != "pct" else None)
                if n.kind == "pct":
                    pct = Pct(n, self._phrase(sent, n, boundary, stops))
                    g.pcts.append(pct)
                # "(01 tổ chức cơ sở đảng mới thành lập …)": a figure in brackets reads no words
                # from before its bracket
                opened = bisect.bisect_left(sent.opens, n.start) - 1
                if opened >= 0 and bisect.bisect_left(sent.shuts, n.start) <= opened:
                    shut = _next_at(sent.shuts, sent.opens[opened])
                    # "(tỷ lệ 96,5%)" still belongs to the words before its bracket
                    if (shut is None or shut > n.start) and not (n.kind == "pct" and self.lx.only_rate_words(
                            sent.folded[sent.opens[opened] + 1:n.start])):
                        boundary = max(boundary, sent.opens[opened] + 1)
                g.before = (boundary, n.start)
                g.part_of = whole
                clause_groups.append(g)
                boundary = n.end
            if run:
                self._respective.append((run[0], len(run), run_keys))
            for g in clause_groups:
                g.after = self._after_span(sent, g, stops, c_end)
            for i, g in enumerate(clause_groups):
                if i + 1 < len(clause_groups):
                    nxt = clause_groups[i + 1]
                    nxt.before = (max(nxt.before[0], g.end), nxt.before[1])
            self._share_keys(sent, clause_groups)
            clause_groups += self._zeros(sent, c_start, c_end, stops, whole)
            for g in clause_groups:
                self._resolve(g, running, ctx, sent_block)
                if g.respective:
                    continue
                if g.measure and (g.count is not None or (g.pcts and g.part_of is None)):
                    state["last"] = g
                    if g.subject is not None and g.part_of is None:
                        self._wholes[g.subject.id] = g
            groups += clause_groups
        self.groups += groups
        return len(groups)

    def _other_year_list(self, sent: Sentence, boundary: int, n: Num) -> bool:
        """'(năm 2018 là 92,1% và 0,9%)': a bracket naming another year, then only percents."""
        opened = bisect.bisect_left(sent.opens, n.start) - 1
        if opened < 0 or sent.opens[opened] < boundary or not sent.num_starts or sent.num_starts[0] >= boundary:
            return False
        inner = sent.folded[sent.opens[opened] + 1:n.start]
        m = re.match(r"\s*(\S+)\s+((?:19|20)\d\d)\b", inner)
        if not m or not self.lx.word_before("year", sent.folded, sent.opens[opened] + 1 + m.start(2)):
            return False
        return self.lx.only_rate_words(inner[m.end():].replace(" là", " "))

    def _share_keys(self, sent: Sentence, groups: list[Group]) -> None:
        """'91,4% TCCS Đảng và 98% đảng viên hoàn thành tốt nhiệm vụ', '50 TCCS Đảng với 5.645 đảng
        viên': a figure whose own words name a group and no key, joined to the next figure by a
        linker, takes the next one's key."""
        for i in range(len(groups) - 2, -1, -1):
            g, nxt = groups[i], groups[i + 1]
            if g.respective or nxt.respective or (g.count is None) != (nxt.count is None):
                continue
            nxt_start = nxt.count.start if nxt.count is not None else nxt.pcts[0].num.start
            if g.after[1] != nxt_start:
                continue
            hits = self._hits_in(sent, g.after)
            if not hits or any(h.has("key") for h in hits) or not hits[0].has("subject"):
                continue
            tail = sent.folded[hits[-1].end:nxt_start]
            bound = self.lx.bound_before(sent.folded, nxt_start)
            if bound:
                tail = sent.folded[hits[-1].end:bound[1]]
            words = tail.replace(",", " , ").split()
            if not words or words[-1] not in self.lx.linkers:
                continue
            nxt_hits = self._hits_in(sent, nxt.after)
            keys = nxt.shared_keys or self._pick("keys", nxt_hits, first=True)
            if keys is not None:
                g.shared_keys = keys
            elif nxt_hits and nxt_hits[0].has("subject") and not any(h.has("key") for h in nxt_hits):
                nxt.shared_from = g

    def _stops(self, sent: Sentence) -> list[int]:
        return [m.start() for m in _STOP.finditer(sent.text)
                if sent.hit_at(m.start(), strict=True) is None] + [len(sent.text)]

    def _clauses(self, sent: Sentence) -> list[tuple[int, int, bool]]:
        """Clauses split at ';' and at part markers ("trong đó" starts a clause of parts)."""
        cuts: list[tuple[int, bool]] = [(0, False)]
        cuts += [(m.end(), False) for m in _SEMICOLON.finditer(sent.text)]
        for h in sent.hits:
            if h.has("part"):
                cuts.append((h.start, True))
        cuts.sort()
        out = []
        for j, (s, part) in enumerate(cuts):
            e = cuts[j + 1][0] if j + 1 < len(cuts) else len(sent.text)
            if e > s or j == len(cuts) - 1:
                out.append((s, e, part))
        return out

    def _hits_in(self, sent: Sentence, span: tuple[int, int], *, phrase: bool = False) -> list[Hit]:
        """Hits inside `span`; a percent's "so với …" words count only for that percent."""
        s, e = span
        return [h for h in sent.hits_between(s, e)
                if phrase or not any(xs <= h.start < xe for xs, xe in sent.excluded)]

    def _phrase(self, sent: Sentence, n: Num, boundary: int, stops: list[int]) -> tuple[int, int] | None:
        """The "so với …" words of a percent: right after it, else between the last figure and it."""
        tail = n.end
        after = self.lx.bound_after(sent.folded, n.end)
        if after:
            tail = after[1]
        h = sent.first_hit_from(tail)  # a later hit has this one's words before it
        if h is not None and h.has("denom") and not sent.folded[tail:h.start].strip(" )"):
            end = _first(_next_at(stops, h.end), sent.next_num(h.end))
            sent.excluded.append((h.start, end))
            return (h.end, end)
        lead = [h for h in sent.hits_between(boundary, n.start) if h.has("denom")]
        if lead:
            h = lead[-1]
            sent.excluded.append((h.start, n.start))
            return (h.end, n.start)
        return None

    def _attach(self, sent: Sentence, g: Group, n: Num, boundary: int, stops: list[int]) -> Pct | None:
        """The percent after a count belongs to it unless the words between describe something else."""
        assert g.count is not None
        i = bisect.bisect_left(sent.marks, (g.count.end,))
        if i < len(sent.marks) and sent.marks[i][0] < n.start:
            return None  # "858 …, chiếm 18% (năm 2020 đạt … 17%)": a percent of another year
        phrase = self._phrase(sent, n, boundary, stops)
        check_end = n.start
        if phrase and phrase[1] == n.start:  # a leading "so với …" phrase
            check_end = next(s for s, e in sent.excluded if e == n.start)
        last_stop = bisect.bisect_left(stops, check_end) - 1
        if last_stop >= 0 and stops[last_stop] >= boundary:
            tail = (stops[last_stop] + 1, check_end)
            if any(h.has("subject") or h.has("untracked") or h.has("key") for h in self._hits_in(sent, tail)):
                if phrase:
                    sent.excluded.remove(next(x for x in sent.excluded if x[1] == phrase[1]))
                return None
        immediate = not g.pcts and self.lx.only_rate_words(sent.folded[g.count.end:n.start])
        if phrase is None:  # "đạt 118,67% kế hoạch": a key right after the percent names its denominator
            nxt = sent.first_hit_from(n.end)
            if (nxt is not None and not sent.folded[n.end:nxt.start].strip() and nxt.has("key")
                    and not any(k.level for k in nxt.of("key"))):
                end = _first(_next_at(stops, nxt.end), sent.next_num(n.end, after=True))
                sent.excluded.append((nxt.start, end))
                phrase = (nxt.start, end)
        return Pct(n, phrase, immediate)

    def _after_span(self, sent: Sentence, g: Group, stops: list[int], c_end: int) -> tuple[int, int]:
        if g.count is None:
            start = g.pcts[0].num.end
            if g.pcts[0].phrase:
                start = max(start, g.pcts[0].phrase[1])
        else:
            start = g.count.end
            if g.pcts and g.pcts[0].immediate:
                start = g.pcts[0].num.end
                if g.pcts[0].phrase:
                    start = max(start, g.pcts[0].phrase[1])
                m = re.match(r"\s*\)", sent.text[start:])
                if m:
                    start += m.end()
        end = self._span_end(sent, start, stops, c_end)
        # "686 tổ chức cơ sở đảng (TCCSĐ) được đánh giá": a bracket naming the group again is no stop
        m = re.match(r"\(([^()]{1,24})\)", sent.text[end:end + 26])
        if m:
            inner = self._hits_in(sent, (end + 1, end + 1 + len(m.group(1))))
            if (len(inner) == 1 and inner[0].has("subject")
                    and not sent.folded[end + 1:end + 1 + len(m.group(1))].replace(
                        sent.folded[inner[0].start:inner[0].end], "").strip()):
                end = self._span_end(sent, end + m.end(), stops, c_end)
        # "1.234 đảng viên (12,5%) hoàn thành …": the words go on after a bracket holding only its %
        for p in g.pcts:
            if sent.text[end:end + 1] == "(" and p.num.start > end and self.lx.only_rate_words(
                    sent.folded[end + 1:p.num.start]) and re.match(r"\s*\)", sent.text[p.num.end:]):
                end = self._span_end(sent, p.num.end + re.match(r"\s*\)", sent.text[p.num.end:]).end(),
                                     stops, c_end)
        return (start, max(start, end))

    def _span_end(self, sent: Sentence, start: int, stops: list[int], c_end: int) -> int:
        return _first(_next_at(stops, start), sent.next_num(start), c_end)

    def _zeros(self, sent: Sentence, c_start: int, c_end: int, stops: list[int],
               whole: Group | None) -> list[Group]:
        """'không có … <level>' states a zero at that level."""
        out = []
        for h in sent.hits[bisect.bisect_left(sent.starts, c_start):bisect.bisect_left(sent.starts, c_end)]:
            if h.has("subject") and self.lx.zero_around(sent.folded, h.start, h.end):
                span_from = h.start  # "không TCCSĐ nào bị xếp loại không hoàn thành nhiệm vụ"
                before = sent.hit_at(h.start - 2)
                if before is not None and before.has("zero"):
                    continue  # "không có … nào" is read from its "không có"
            elif h.has("zero"):
                span_from = h.end
            else:
                continue
            end = _first(_next_at(sent.closers, h.end, after=True), c_end)
            if sent.nums_between(h.end, end):
                continue
            if not any(k.level for x in self._hits_in(sent, (h.end, end)) for k in x.of("key")):
                # "- Không hoàn thành nhiệm vụ: không có.": a level as the label, the zero its value
                label = self._hits_in(sent, (c_start, h.start))
                if (not h.has("zero") or sent.text[h.end:end].strip(" .;:")
                        or not any(k.level for x in label for k in x.of("key"))
                        or sent.nums_between(c_start, h.start)):
                    continue
                span_from = c_start
            g = Group(sent, None, zero=True, after=(span_from, end), before=(span_from, span_from), part_of=whole)
            out.append(g)
        return out

    # -- what a group counts --------------------------------------------------------------------
    def _resolve(self, g: Group, running: dict[str, Any], ctx: dict[str, Any], sent_block: str | None) -> None:
        sent = g.sent
        own_after, own_before = self._hits_in(sent, g.after), self._hits_in(sent, g.before)
        found: dict[str, Any] = {}
        from_holder = False
        for cat in ("subject", "tier", "keys", "dimension", "org_type"):
            val = self._pick(cat, own_after, first=True)
            if cat == "subject":  # "kết nạp 2.078 đảng viên": a subject of higher priority before wins
                before = self._pick(cat, own_before, first=False)
                if before is not None and (val is None or (val.tracked and before.priority > val.priority)):
                    val = before
            elif cat == "keys" and val is None and (g.shared_keys is not None or g.shared_from is not None):
                val = g.shared_keys  # a shared_from's keys are known once it is resolved, below
            elif cat == "keys" and val is None and g.count is not None and self._total_key is not None and (
                    self._holder_has(sent, g)):
                val, from_holder = [self._total_key], True  # "Đảng bộ huyện … có 4.378 đảng viên"
            elif val is None:
                val = self._pick(cat, own_before, first=False)
            if val is not None:
                found[cat] = val
        pos = g.count.start if g.count else (g.pcts[0].num.start if g.pcts else g.after[0])
        if (g.count is not None and found.get("subject") is not None
                and self._pick("subject", own_after, first=True) is None
                and found["subject"].priority == 0 and self._names_other(sent, g.count, found["subject"])):
            found.pop("subject")  # "… Cơ quan và Doanh nghiệp tỉnh hiện có 81 đảng bộ": not the group before
        if from_holder and isinstance(found.get("subject"), Subject) and found["subject"].default_key:
            found.pop("keys")  # a holder's "có" makes a total of a stock, not of admissions ("kết nạp")
        if ("keys" not in found and g.shared_from is not None
                and g.shared_from.keys is not None):
            found["keys"] = g.shared_from.keys  # "117/120 tổ chức cơ sở Đảng và 11.917 đảng viên"
        time = self._time(sent, pos)
        if time is not None:
            found["time"] = time
        if g.part_of is not None and found.get("subject") not in (None, g.part_of.subject):
            g.part_of = self._wholes.get(found["subject"].id, g.part_of)
        inherit = dict(running)
        if g.part_of is not None:
            for k in ("subject", "tier", "dimension", "org_type", "time"):
                v = getattr(g.part_of, k, None) if k != "time" else (g.part_of.year, g.part_of.period)
                if v is not None and k != "time":
                    inherit[k] = v
        if "subject" in found and found["subject"] is not inherit.get("subject"):
            # "50 TCCS Đảng với 5.645 đảng viên": a total carries to the next stock, not to admissions
            keep_total = inherit.get("keys") == [self._total_key] and not found["subject"].default_key
            for k in ("tier", "keys", "dimension", "org_type"):
                if not (k == "keys" and keep_total):
                    inherit.pop(k, None)
        if "subject" not in found and g.count is not None and self._names_other(sent, g.count, inherit.get("subject")):
            inherit["subject"] = None  # "ở 28 cơ sở": the count names its own group, one not tracked
        g.subject = found.get("subject", inherit.get("subject"))
        g.tier = found.get("tier", inherit.get("tier"))
        g.dimension = found.get("dimension", inherit.get("dimension"))
        g.org_type = found.get("org_type", inherit.get("org_type"))
        # a figure in brackets is an aside: its level or status is its own, never the one around it
        g.keys = found.get("keys", None if self._in_brackets(sent, g) and g.part_of is None else inherit.get("keys"))
        pw, pyear = found.get("time", inherit.get("time")) or (None, None)
        g.year, g.period = self._year_period(pw, pyear, g.keys)
        if not self._in_brackets(sent, g):  # "(93 đảng bộ cơ sở, 28 chi bộ cơ sở)" is an aside
            if "subject" in found and found["subject"] is not running.get("subject"):
                for k in ("tier", "keys", "dimension", "org_type"):
                    if not (k == "keys" and running.get("keys") == [self._total_key]):
                        running[k] = None
            for k, v in found.items():
                running[k] = v
        # why the group may not be a figure of the year
        g.blocked = sent_block or ctx.get("blocked") or self._segment_blocker(sent, pos, g.keys)
        if not g.blocked:
            for h in own_after + own_before:
                for reason, scope, _ in h.of("blocker"):
                    if scope == "number":
                        g.blocked = reason
        if not g.blocked and g.year > self.year:
            g.blocked = "later_year"
        if g.blocked:
            g.reason = g.blocked
            return
        if g.respective:
            return  # it stands for a figure said before; _finish gives it that figure's measure
        g.measure, g.reason = self._measure(g.subject, g.tier, g.keys, g.dimension)
        if g.measure and g.part_of is not None and g.part_of.measure:
            if g.measure == g.part_of.measure and g.count is not None:
                # "trong số đảng viên mới kết nạp …, có 21 đảng viên được kết nạp trong doanh nghiệp"
                g.measure, g.reason = None, "part"
                return
            self._promote(g.part_of, g.measure)
        if g.measure and g.count is not None and g.count.kind == "frac":
            g.b_measure = self._fraction_whole(g.subject, g.tier, g.measure)

    def _holder_has(self, sent: Sentence, g: Group) -> bool:
        """'<holder> … có N <group>': N is the group's total."""
        assert g.count is not None
        start = g.count.start
        bound = self.lx.bound_before(sent.folded, start)
        if bound:
            start = bound[1]
        return self.lx.holder_have_before(sent.folded, g.before[0], start)

    def _names_other(self, sent: Sentence, n: Num, subject: Subject | None) -> bool:
        """The word right after a count is one the lexicon does not know (nor a classifier)."""
        end = n.end
        after = self.lx.bound_after(sent.folded, end)
        if after:
            end = after[1]
        m = re.match(r"\s*", sent.folded[end:])
        pos = end + (m.end() if m else 0)
        if pos >= len(sent.folded) or not sent.folded[pos].isalpha():
            return False
        h = sent.first_hit_from(pos)
        if h is not None and h.start == pos:
            return False
        return not self.lx.classifier_after(sent.folded, pos, subject)

    def _in_brackets(self, sent: Sentence, g: Group) -> bool:
        pos = g.count.start if g.count is not None else g.after[0]
        return bisect.bisect_left(sent.opens, pos) > bisect.bisect_left(sent.shuts, pos)

    def _pick(self, cat: str, hits: list[Hit], *, first: bool) -> Any:
        ordered = hits if first else list(reversed(hits))
        if cat == "subject":
            # a group the catalogue does not track stands beside the others at priority 0: "Phó Bí
            # thư … cho biết, … đã kết nạp được 202 đảng viên" is still admissions
            subs = [(s.priority, i, s) for i, h in enumerate(ordered) for s in h.of("subject") + h.of("untracked")]
            if not subs:
                return None
            top = max(p for p, _, _ in subs)
            named = {s.id: s for p, _, s in subs if p == top}
            return next(iter(named.values())) if len(named) == 1 else AMBIGUOUS
        if cat == "keys":
            pairs = [(i, k) for i, h in enumerate(ordered) for k in h.of("key")]
            if not pairs:
                return None
            top = max(k.priority for _, k in pairs)
            tops = [(i, k) for i, k in pairs if k.priority == top]
            levels = sorted({k.id for _, k in tops if k.level})
            if len(levels) > 1 and all(k.level for _, k in tops):
                return tuple(levels)
            nearest = min(i for i, _ in tops)
            return [k for i, k in tops if i == nearest]
        vals = [v for h in ordered for v in h.of(cat)]
        if cat == "org_type" and vals:
            return vals[0] if vals[0] is not None else "?"
        return vals[0] if vals else None

    def _time(self, sent: Sentence, before: int) -> tuple[PeriodWord | None, int | None] | None:
        """The nearest period or 'năm YYYY' before position `before` in the sentence."""
        # the marks come sorted by start; the last one before `before` not since excluded wins
        for i in range(bisect.bisect_left(sent.marks, (before,)) - 1, -1, -1):
            start, end, pw, year = sent.marks[i]
            if end <= before and not self._excluded(sent, start):
                return (pw, year)
        return None

    def _time_marks(self, sent: Sentence) -> list[tuple[int, int, PeriodWord | None, int | None]]:
        """(start, the position it must end by, period word, year) of every period phrase and
        'năm YYYY' in the sentence, by start; a period phrase counts from its first character."""
        marks: list[tuple[int, int, PeriodWord | None, int | None]] = []
        for h in sent.hits:
            if h.has("period"):
                marks.append((h.start, h.start + 1, h.of("period")[0], h.year))
        for m in _YEAR.finditer(sent.text):
            hit = sent.hit_at(m.start())
            word = self.lx.word_before("year", sent.folded, m.start())
            if word and not (hit and hit.has("period")):
                compared = sent.hit_at(word[0] - 2)
                if compared is not None and compared.has("denom"):
                    continue  # "tăng 1,71% so với năm 2012": the year compared with, not the one spoken of
                marks.append((m.start(), m.end(), None, int(m.group(1))))
        marks.sort(key=lambda x: x[0])
        return marks

    def _excluded(self, sent: Sentence, pos: int) -> bool:
        return any(s <= pos < e for s, e in sent.excluded)

    def _year_period(self, pw: PeriodWord | None, year: int | None, keys: Any) -> tuple[int, str]:
        if pw is None:
            return (year or self.year, "Y")
        key_ids = {k.id for k in keys} if isinstance(keys, list) else set(keys or ())
        period = "Y" if key_ids & set(pw.stock_keys) else pw.id
        if pw.at == "report":
            return (self.year, period)
        if pw.at == "term_start":
            return (self.term_start, period)
        return (year or self.year, period)

    def _measure(self, subject: Subject | None, tier: str | None, keys: Any,
                 dimension: str | None) -> tuple[str | None, str]:
        """The measure a group counts, or None and the reason code why not."""
        if subject is None:
            return None, "no_group"
        if subject is AMBIGUOUS or not subject.tracked:
            return None, "untracked"
        if tier is not None and (not subject.tiers or tier not in subject.tiers):
            return None, "no_measure"
        prefix = subject.tiers.get(tier, subject.prefix) if tier else subject.prefix
        if keys is None:
            if subject.default_key is None:
                return None, "no_key"
            keys = [Key(subject.default_key)]
        if isinstance(keys, tuple):
            unmapped = [self.lx.keys[k].unmapped for k in keys if k in self.lx.keys and self.lx.keys[k].unmapped]
            if unmapped:
                return None, unmapped[0]
            leaves = frozenset(f"{prefix}_{k}" for k in keys)
            m = self._by_leaves.get(leaves)
            return (m, "") if m else (None, "no_measure")
        if any(k.unmapped for k in keys):
            return None, next(k.unmapped for k in keys if k.unmapped)
        options = [k for k in keys if k.dimension is None or dimension is None or k.dimension == dimension]
        if dimension is None and len({k.dimension for k in options}) > 1:
            return None, "unclear_dimension"
        for k in options:
            m = subject.measures.get(k.id, f"{prefix}_{k.id}")
            if m in self.cat.measures:
                return m, ""
        return None, "no_measure"

    def _fraction_whole(self, subject: Subject | None, tier: str | None, measure: str) -> str | None:
        if subject is not None and subject.fraction_whole:
            m = subject.measures.get(subject.fraction_whole, f"{subject.prefix}_{subject.fraction_whole}")
            if m in self.cat.measures:
                return m
        return self.cat.measures[measure].whole

    def _ancestors(self, m: str) -> set[str]:
        out, cur = set(), self.cat.measures[m].whole
        while cur and cur not in out:
            out.add(cur)
            cur = self.cat.measures[cur].whole if cur in self.cat.measures else None
        return out

    def _promote(self, whole: Group, part: str) -> None:
        """A part its whole cannot contain makes the whole the catalogue's sum of both."""
        w = whole.measure
        if w is None or part == w or w in self._ancestors(part) or part in self._leaves[w]:
            return
        need = self._leaves[w] | self._leaves[part]
        fits = [(len(leaves), m) for leaves, m in self._by_leaves.items() if need <= leaves]
        if fits:
            whole.measure = min(fits)[1]
            self._promoted.add((w, whole.measure))
            if whole.count is not None and whole.count.kind == "frac":
                whole.b_measure = self._fraction_whole(whole.subject, whole.tier, whole.measure)

    # -- rows -----------------------------------------------------------------------------------
    def _finish(self) -> ExtractResult:
        values: dict[tuple[str, int, str, str], float] = {}
        for g in self.groups:
            if g.measure and not g.blocked and (g.count is not None or g.zero):
                key = (g.measure, g.year, g.period, self._org(g))
                values.setdefault(key, float(g.count.value) if g.count else 0.0)
                if g.b_measure and g.count is not None:
                    values.setdefault((g.b_measure, g.year, g.period, self._org(g)), float(g.count.b_value))
        rows: list[dict[str, str]] = []
        origin: list[tuple[Group, str]] = []  # each row's group and its figure as written
        seen: set[tuple[str, ...]] = set()

        def emit(g: Group, measure: str, value: str, qualifier: str, text: str = "") -> None:
            row = {"unit_code": self.unit, "year": str(g.year), "period": g.period,
                   "org_type": self._org(g), "measure": measure, "value": value,
                   "qualifier": qualifier, "source": g.sent.source}
            key = tuple(row[c] for c in MEASURE_COLUMNS[:-1])
            if key not in seen:
                seen.add(key)
                rows.append(row)
                origin.append((g, text or value))

        read_as: dict[int, str] = {}  # id(Pct) -> the indicator it was proposed as
        lists = {id(g): (k, keys) for g, k, keys in self._respective}
        by_sentence: dict[int, list[Group]] = {}
        said: dict[int, list[Pct]] = {}  # a sentence's percents outside its "tương ứng" lists, in order
        if lists:
            for g in self.groups:
                by_sentence.setdefault(g.sent.order, []).append(g)
            for order, same in by_sentence.items():
                said[order] = sorted((p for x in same for p in x.pcts), key=lambda p: p.num.start)
        said_at = {order: [p.num.start for p in pcts] for order, pcts in said.items()}
        index = {id(g): i for same in by_sentence.values() for i, g in enumerate(same)}
        for g in self.groups:
            if g.respective and not g.blocked:
                # "(năm 2020 đạt tỷ lệ tương ứng là 79,85% và 17%)": the indicators of the percents
                # said before in the sentence, in order, for the year the list names; "tỷ lệ hoàn thành
                # tốt … và không hoàn thành … lần lượt là a% và b%": the levels named before the word
                if id(g) in lists:
                    self._read_list(g, lists[id(g)], by_sentence, said, said_at, index, read_as, emit)
                if not g.measure:
                    self._lose_group(g, "respective")
                continue
            if g.blocked or not g.measure or (g.count is None and not g.zero and not g.pcts):
                self._lose_group(g, g.reason or "no_group")
                continue
            if g.zero:
                emit(g, g.measure, "0", "")
                continue
            if g.count is not None:
                emit(g, g.measure, g.count.value, g.count.qualifier)
                if g.count.kind == "frac":
                    if g.b_measure:
                        emit(g, g.b_measure, g.count.b_value, "")
                    else:
                        self._lose(g.count.b_text, g, "no_whole")
            for pct in g.pcts:
                ind, why = self._indicator(g, pct, values)
                if ind and float(pct.num.value) > 100 and not self.cat.indicators[ind].may_exceed_100:
                    ind, why = None, "over_100"
                if ind:
                    emit(g, ind, pct.num.value, pct.num.qualifier, pct.num.text)
                    read_as[id(pct)] = ind
                else:
                    self._lose(pct.num.text, g, why)
        kept = self._drop_repeats(rows, origin)
        self.unplaced.sort(key=lambda u: u["_at"])  # in document order
        unplaced = [{k: v for k, v in u.items() if k != "_at"} for u in self.unplaced]
        return ExtractResult([rows[i] for i in kept], unplaced, self.slips, self.year,
                             [Origin(origin[i][0].sent.place, origin[i][0].sent.text) for i in kept], self.docname)

    def _read_list(self, g: Group, spec: tuple[int, list[Key]], by_sentence: dict[int, list[Group]],
                   said: dict[int, list[Pct]], said_at: dict[int, list[int]], index: dict[int, int],
                   read_as: dict[int, str], emit: Any) -> None:
        k, keys = spec
        same = by_sentence.get(g.sent.order, [])
        run = [x for x in same[index[id(g)]:index[id(g)] + 2 * k] if x.respective][:k]
        if len(run) != k:
            return
        if keys and len(keys) == k:
            names: list[str | None] = []
            for key in keys:
                m, _ = self._measure(g.subject, g.tier, [key], g.dimension)
                whole = self.cat.measures[m].whole if m else None
                names.append(self._indicators.get(((m,), (whole,))) if m and whole else None)
        else:
            pcts = said.get(g.sent.order, [])
            n_before = bisect.bisect_left(said_at.get(g.sent.order, []), g.pcts[0].num.start)
            targets = pcts[n_before - k:n_before] if n_before >= k else []
            names = [read_as.get(id(t)) for t in targets] if targets else [None]
        if len(names) != k or not all(names):
            return
        for x, ind in zip(run, names, strict=True):
            emit(x, ind, x.pcts[0].num.value, x.pcts[0].num.qualifier, x.pcts[0].num.text)
            x.measure = ind
            read_as[id(x.pcts[0])] = ind

    def _drop_repeats(self, rows: list[dict[str, str]], origin: list[tuple[Group, str]]) -> list[int]:
        """A headline's "91,2% … hoàn thành tốt nhiệm vụ" repeats the body's 91,2%, which a 'trong đó'
        part showed to be good-or-better: the figure is that measure, not the narrower one. The rows
        kept, by position."""
        if not self._promoted:
            return list(range(len(rows)))
        pairs = set(self._promoted)
        for narrow, wide in self._promoted:
            for ind in self._by_numerator.get((narrow,), []):
                den = tuple(self.cat.indicators[ind].denominator)
                other = self._indicators.get(((wide,), den))
                if other:
                    pairs.add((ind, other))
        said = {(r["measure"], r["year"], r["period"], r["org_type"], r["value"]) for r in rows}
        kept = []
        for i, (r, (g, text)) in enumerate(zip(rows, origin, strict=True)):
            if any((wide, r["year"], r["period"], r["org_type"], r["value"]) in said
                   for narrow, wide in pairs if narrow == r["measure"]):
                self._lose(text, g, "repeats")
                continue
            kept.append(i)
        return kept

    def _org(self, g: Group) -> str:
        if g.org_type and g.org_type != "?" and g.measure and self.cat.applies_to_org_types(g.measure):
            return g.org_type
        return ""

    def _indicator(self, g: Group, pct: Pct, values: dict[tuple[str, int, str, str], float]) -> tuple[str | None, str]:
        num = g.measure
        assert num is not None
        org = self._org(g)
        if pct.phrase:
            hits = pct.phrase_hits
            if hits is None:
                hits = self._hits_in(g.sent, pct.phrase, phrase=True)
            subject = self._pick("subject", hits, first=True) or g.subject
            tier = self._pick("tier", hits, first=True) or g.tier
            keys = self._pick("keys", hits, first=True)
            dim = self._pick("dimension", hits, first=True) or g.dimension
            if keys is None:
                return None, "no_rate"
            d, _ = self._measure(subject, tier, keys, dim)
            if d is None:
                return None, "no_rate"
            candidates = [d]
        else:
            candidates = []
            if g.b_measure:
                candidates.append(g.b_measure)
            if g.part_of is not None and g.part_of.measure:
                candidates.append(g.part_of.measure)
            whole = self.cat.measures[num].whole
            if whole:
                candidates.append(whole)
        known_n = float(g.count.value) if g.count is not None else values.get((num, g.year, g.period, org))
        stated = float(pct.num.value)
        first: str | None = None
        checked: list[tuple[str, float]] = []
        agreeing: list[tuple[float, str]] = []
        for d in dict.fromkeys(candidates):
            ind = self._indicators.get(((num,), (d,)))
            if ind is None:
                continue
            first = first or ind
            if g.count is not None and g.count.kind == "frac" and d == g.b_measure:
                known_d: float | None = float(g.count.b_value)
            elif g.part_of is not None and d == g.part_of.measure and g.part_of.count is not None:
                known_d = float(g.part_of.count.value)
            else:
                known_d = values.get((d, g.year, g.period, org))
            if known_n is None or not known_d:
                continue
            computed = rate(known_n, known_d)
            if agrees(stated, computed, len(pct.num.value.partition(".")[2])):
                agreeing.append((abs(computed - stated), ind))
            checked.append((ind, computed))
        if agreeing:  # several fit when rounding is coarse (13% of 4.241 or of 4.022): take the closest
            return min(agreeing, key=lambda x: x[0])[1], ""
        if first is None:
            only = self._by_numerator.get((num,), [])
            if len(only) == 1 and not pct.phrase:
                first = only[0]
            else:
                return None, "no_rate"
        if checked:
            ind, computed = next(((i, c) for i, c in checked if i == first), checked[0])
            self.slips.append(Slip(g.sent.place, first, pct.num.text, round(computed, 2), g.sent.text, g.year,
                                   g.period, org))
        return first, ""

    def _lose_group(self, g: Group, reason: str) -> None:
        if g.count is not None:
            self._lose(g.count.text, g, reason)
        for p in g.pcts:
            self._lose(p.num.text, g, reason)

    def _lose(self, value: str, g: Group, reason: str) -> None:
        self.unplaced.append({"value": value, "place": g.sent.place, "reason": reason, "sentence": g.sent.text,
                              "_at": (g.sent.order, g.count.start if g.count else 0)})


def _machine(text: str) -> str:
    """Vietnamese number text → machine text with the stated decimals; '02' → '2'."""
    value = vi_to_machine(text)
    whole, _, frac = value.partition(".")
    whole = whole.lstrip("0") or "0"
    return f"{whole}.{frac}" if frac else whole


# -- public API ---------------------------------------------------------------------------------

def extract(text_or_path: str | Path, unit: str, year: int, catalog: Catalog | None = None) -> ExtractResult:
    """Propose measures from a report: a path (.txt .md .docx .pdf) or the text itself.

    Raises DocumentError when a file cannot be read.
    """
    catalog = catalog or default_catalog()
    if isinstance(text_or_path, Path) or _names_a_file(text_or_path):
        path = Path(text_or_path)
        lines = read_lines(path)
        # every row's source starts with it: a name such as '=HYPERLINK(…).txt' must not start a formula
        docname = neutral(path.name)
    else:
        lines = text_lines(str(text_or_path))
        docname = ""
    return _Extractor(catalog, unit, year, docname).run(build_blocks(lines))


def _names_a_file(text: str) -> bool:
    """Whether `text` is the name of a report file rather than a report's text."""
    if "\n" in text or len(text) >= 4096:
        return False
    try:
        path = Path(text)
        return path.suffix.lower() in SUFFIXES and path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte: text, not a name
        return False


def unplaced_path(out: Path) -> Path:
    """FILE.csv → FILE.unplaced.csv, beside it."""
    return out.with_name(out.stem + ".unplaced" + (out.suffix or ".csv"))


def extract_main(report: Path, unit: str, year: int, out: Path) -> int:
    """`python -m etl extract`: write the proposed rows and the unplaced numbers; exit 0, 1 or 2. Its lines
    in Vietnamese, then in English (core.i18n.both)."""
    from core.i18n import both

    if not _UNIT_CODE.match(unit or ""):
        print(both("cli_extract_bad_unit", unit=unit), file=sys.stderr)
        return 2
    if not 1900 <= year <= 2100:
        print(both("cli_extract_bad_year", year=str(year)), file=sys.stderr)
        return 2
    if report.suffix.lower() not in SUFFIXES:
        print(both("cli_extract_bad_type", report=report, suffix=report.suffix, suffixes=", ".join(SUFFIXES)),
              file=sys.stderr)
        return 2
    if not report.is_file():
        print(both("cli_no_file", file=report), file=sys.stderr)
        return 1
    try:
        result = extract(report, unit, year, default_catalog())
    except (DocumentError, CatalogError) as exc:
        print(both("cli_extract_rejected", report=report.name, error=exc), file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(MEASURE_COLUMNS))
        w.writeheader()
        w.writerows(result.rows)
    side = unplaced_path(out)
    lexicon = lexicon_for(default_catalog())
    with side.open("w", encoding="utf-8", newline="") as f:
        # read by a person: the reason in Vietnamese, its code beside it
        w = csv.DictWriter(f, fieldnames=[*UNPLACED_COLUMNS, "reason_code"])
        w.writeheader()
        w.writerows({**u, "reason": lexicon.reason_text(u["reason"]), "reason_code": u["reason"]}
                    for u in result.unplaced)
    measures = len({r["measure"] for r in result.rows})
    print(both("cli_extract_wrote", report=report.name, rows=len(result.rows), measures=measures, out=out,
               unplaced=len(result.unplaced), side=side))
    for slip in result.slips:  # a short quote says which sentence
        print("  " + both("cli_extract_slip", slip=lambda lang, slip=slip: slip_text(slip, lang),
                          quote=slip.sentence[:120]))
    return 0
