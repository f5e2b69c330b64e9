"""The extractor's vocabulary, compiled from the `extraction:` section of indicators.yaml.

Every Vietnamese word the extractor knows comes from the catalogue; this module only turns those
word lists into matchers over *folded* text (etl.extract_text.fold: lower case, one tone placement,
same length as the original so positions carry over).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from core.catalog import Catalog
from etl.extract_text import fold

_SEP = r"(?:\s*,\s*|\s+)"  # between the words of a phrase: spaces, or a comma


@dataclass(frozen=True)
class Subject:
    id: str
    prefix: str
    tiers: dict[str, str] = field(default_factory=dict)
    measures: dict[str, str] = field(default_factory=dict)
    default_key: str | None = None
    fraction_whole: str | None = None
    priority: int = 0
    tracked: bool = True
    aliases: tuple[str, ...] = ()  # folded

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class Key:
    id: str
    priority: int = 0
    level: bool = False
    dimension: str | None = None
    unmapped: str | None = None  # a reason code: a level of another scheme, read but never proposed


@dataclass(frozen=True)
class PeriodWord:
    id: str
    at: str  # text (the year in the phrase, else the sentence's) | report | term_start
    stock_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    cat: str  # subject untracked tier key dimension org_type period blocker neutral zero part denom
    # respective change
    value: Any


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    entries: tuple[Entry, ...]
    year: int | None = None

    def of(self, cat: str) -> list[Any]:
        return [e.value for e in self.entries if e.cat == cat]

    def has(self, cat: str) -> bool:
        return any(e.cat == cat for e in self.entries)


class LexiconError(ValueError):
    """The catalogue's extraction section is missing or malformed."""


@lru_cache(maxsize=4096)
def _norm(phrase: str) -> str:
    """A phrase as the lookup key: folded, commas and runs of spaces as one space, years as {year}."""
    s = re.sub(r"[\s,]+", " ", fold(phrase)).strip()
    return re.sub(r"(?<!\d)\d{4}(?!\d)", "{year}", s)


def _pattern(phrase: str) -> str:
    words = [w for w in re.split(r"[\s,]+", fold(phrase).strip()) if w]
    return _SEP.join(r"\d{4}" if w == "{year}" else re.escape(w) for w in words)


def _alternation(phrases: list[str], *, anchor: str) -> re.Pattern[str] | None:
    if not phrases:
        return None
    alts = "|".join(_pattern(p) for p in sorted(set(phrases), key=lambda p: -len(p)))
    return re.compile(anchor.replace("ALTS", alts))


class Lexicon:
    def __init__(self, catalog: Catalog) -> None:
        cfg = catalog.extraction
        if not cfg:
            raise LexiconError(f"{catalog.path}: no 'extraction:' section")
        self.catalog = catalog
        self._words: dict[str, list[Entry]] = {}  # phrase key -> what it means
        self._phrases: list[str] = []
        self.subjects: dict[str, Subject] = {}
        for s in cfg.get("subjects", []):
            subj = Subject(id=s["id"], prefix=s.get("prefix", s["id"]), tiers=dict(s.get("tiers") or {}),
                           measures=dict(s.get("measures") or {}), default_key=s.get("default_key"),
                           fraction_whole=s.get("fraction_whole"), priority=int(s.get("priority", 0)),
                           aliases=tuple(_norm(a) for a in s.get("aliases", [])))
            self.subjects[subj.id] = subj
            self._add(s.get("aliases", []), Entry("subject", subj))
        for w in cfg.get("untracked", []):
            self._add([w], Entry("untracked", Subject(id=_norm(w), prefix="", tracked=False)))
        for t in cfg.get("tiers", []):
            self._add(t.get("aliases", []), Entry("tier", t["id"]))
        scale = catalog.rating_scale
        self.keys: dict[str, Key] = {}
        for k in cfg.get("keys", []):
            key = Key(id=k["id"], priority=int(k.get("priority", 0)), level=k.get("kind") == "level",
                      dimension=k.get("dimension"), unmapped=k.get("unmapped"))
            self.keys[key.id] = key
            words = list(k.get("aliases", []))
            if key.id in scale:  # the catalogue's own names of the rating levels
                words += [scale[key.id].name_vi, scale[key.id].abbr]
            self._add(words, Entry("key", key))
        for d in cfg.get("dimensions", []):
            self._add(d.get("aliases", []), Entry("dimension", d["id"]))
        for org_type, words in (cfg.get("org_types") or {}).items():
            self._add(words, Entry("org_type", org_type))
        for p in cfg.get("periods", []):
            word = PeriodWord(id=p["id"], at=p.get("at", "text"), stock_keys=tuple(p.get("stock_keys", ())))
            self._add(p.get("aliases", []), Entry("period", word))
        self.reasons: dict[str, dict[str, str]] = dict(cfg.get("reasons") or {})
        for b in cfg.get("blockers", []):
            if b["reason"] not in self.reasons:
                raise LexiconError(f"{catalog.path}: blocker reason '{b['reason']}' is not under 'reasons:'")
            self._add(b.get("words", []), Entry("blocker", (b["reason"], b.get("scope", "sentence"),
                                                            b.get("unless_key"))))
        self._add(cfg.get("neutral", []), Entry("neutral", None))
        self._add(cfg.get("zero_words", []), Entry("zero", None))
        self._add(cfg.get("part_markers", []), Entry("part", None))
        self._add(cfg.get("denominator_markers", []), Entry("denom", None))
        self._add(cfg.get("respective_words", []), Entry("respective", None))
        self._add(cfg.get("change_words", []), Entry("change", "change"))
        self._add(cfg.get("excess_words", []), Entry("change", "excess"))
        self._words_re = _alternation(self._phrases, anchor=r"(?<!\w)(?:ALTS)(?!\w)")

        bounds = cfg.get("bounds") or {}
        self._bound_before = {q: _alternation(w, anchor=r"(?<!\w)(?:ALTS)\s*$")
                              for q, w in (bounds.get("before") or {}).items()}
        self._bound_after = {q: _alternation(w, anchor=r"^\s*(?:ALTS)(?!\w)")
                             for q, w in (bounds.get("after") or {}).items()}
        self._unit = _alternation(cfg.get("non_count_units", []), anchor=r"^\s*(?:ALTS)(?!\w)")
        self._reference = _alternation(cfg.get("reference_words", []), anchor=r"(?<!\w)(?:ALTS)\s*$")
        self._date = _alternation(cfg.get("date_words", []), anchor=r"(?<!\w)(?:ALTS)\s*$")
        self._year = _alternation(cfg.get("year_words", []), anchor=r"(?<!\w)(?:ALTS)\s*$")
        self._rate_only = _alternation(cfg.get("rate_words", []), anchor=r"(?:ALTS)")
        self._rate_words = [_norm(w) for w in cfg.get("rate_words", [])]
        self._skip_headers = {_norm(w) for w in cfg.get("table_skip_headers", [])}
        self.year_word = (cfg.get("year_words") or ["năm"])[0]
        zero = cfg.get("zero_around") or {}
        self._zero_before = _alternation(zero.get("before", []), anchor=r"(?<!\w)(?:ALTS)\s*$")
        self._zero_after = _alternation(zero.get("after", []), anchor=r"\s*(?:ALTS)(?!\w)")
        words = {fold(str(w)): int(v) for w, v in (cfg.get("number_words") or {}).items()}
        self.number_words = words
        self._number_word = (re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?!\w)")
                             if words else None)
        self._classifier = _alternation(cfg.get("classifiers", []), anchor=r"^\s*(?:ALTS)(?!\w)")
        self._holder = _alternation(cfg.get("holders", []), anchor=r"(?<!\w)(?:ALTS)(?!\w)")
        self._have = _alternation(cfg.get("have_words", []), anchor=r"(?<!\w)(?:ALTS)\s*$")
        self._fraction = _alternation(cfg.get("fraction_words", []), anchor=r"\s*(?:ALTS)\s+(?=\d)")
        self.linkers = tuple(fold(str(w)) for w in cfg.get("linkers", []))
        for code in ("no_group", "untracked", "no_key", "no_measure", "later_year", "other_unit", "part"):
            if code not in self.reasons:
                raise LexiconError(f"{catalog.path}: reason '{code}' is missing under 'reasons:'")

    def _add(self, words: list[str], entry: Entry) -> None:
        for w in words:
            if not w or not str(w).strip():
                continue
            key = _norm(str(w))
            self._words.setdefault(key, [])
            if entry not in self._words[key]:
                self._words[key].append(entry)
            self._phrases.append(str(w))

    # -- matching ------------------------------------------------------------------------------
    def hits(self, folded: str) -> list[Hit]:
        """Known phrases in `folded`, left to right, longest first, not overlapping."""
        out = []
        if self._words_re is None:
            return out
        for m in self._words_re.finditer(folded):
            key = _norm(m.group(0))
            entries = self._words.get(key)
            if not entries:
                continue
            y = re.search(r"\d{4}", m.group(0))
            out.append(Hit(m.start(), m.end(), tuple(entries), int(y.group(0)) if y else None))
        return out

    def bound_before(self, folded: str, start: int) -> tuple[str, int] | None:
        """('>', start of the word) when a bound word stands right before position `start`."""
        head = folded[max(0, start - 24):start]
        for q, rx in self._bound_before.items():
            m = rx.search(head) if rx else None
            if m:
                return q, start - len(head) + m.start()
        return None

    def bound_after(self, folded: str, end: int) -> tuple[str, int] | None:
        tail = folded[end:end + 24]
        for q, rx in self._bound_after.items():
            m = rx.match(tail) if rx else None
            if m:
                return q, end + m.end()
        return None

    def unit_after(self, folded: str, end: int) -> str | None:
        m = self._unit.match(folded[end:end + 24]) if self._unit else None
        return m.group(0).strip() if m else None

    def word_before(self, which: str, folded: str, start: int) -> tuple[int, int] | None:
        """Span of a reference/date/year word ending right before `start`."""
        rx = {"reference": self._reference, "date": self._date, "year": self._year}[which]
        head = folded[max(0, start - 24):start]
        m = rx.search(head) if rx else None
        if not m:
            return None
        base = start - len(head)
        return base + m.start(), base + m.start() + len(m.group(0).rstrip())

    def only_rate_words(self, folded: str) -> bool:
        """True when `folded` holds nothing but rate words ("tỷ lệ", "chiếm"), '=', '(' and spaces."""
        rest = self._rate_only.sub(" ", folded) if self._rate_only else folded
        return not re.sub(r"[\s=(:,]+", "", rest)

    def is_rate_header(self, header: str) -> bool:
        h = _norm(header)
        return "%" in header or any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", h) for w in self._rate_words)

    def zero_around(self, folded: str, start: int, end: int) -> bool:
        """'không <group> nào': a zero word right before `start` and 'nào' right after `end`."""
        if self._zero_before is None or self._zero_after is None:
            return False
        return bool(self._zero_after.match(folded, end, end + 8)
                    and self._zero_before.search(folded[max(0, start - 12):start]))

    def number_words_in(self, folded: str) -> list[tuple[int, int, int]]:
        """(start, end, value) of every count written as a word."""
        if self._number_word is None:
            return []
        return [(m.start(), m.end(), self.number_words[m.group(1)]) for m in self._number_word.finditer(folded)]

    def fraction_word_at(self, folded: str, end: int) -> int | None:
        """Where the whole starts when a fraction word follows a count ("662 trong tổng số 686")."""
        m = self._fraction.match(folded, end) if self._fraction else None
        return m.end() if m else None

    def classifier_after(self, folded: str, end: int, subject: Subject | None = None) -> bool:
        """A classifier, or the first word(s) of `subject`'s own name, right at `end`."""
        if self._classifier and self._classifier.match(folded[end:end + 24]):
            return True
        head = " ".join(re.findall(r"\w+", re.split(r"[,;:.()]", folded[end:end + 24])[0])[:2])
        return bool(head and subject and any(a == head or a.startswith(head + " ") for a in subject.aliases))

    def holder_have_before(self, folded: str, clause_start: int, start: int) -> bool:
        """'… Đảng bộ huyện … có N': a holder word in the clause, then a have word right before N."""
        head = folded[clause_start:start]
        have = self._have.search(head[-16:]) if self._have else None
        return bool(have and self._holder and self._holder.search(head))

    def reason_text(self, code: str, lang: str = "vi") -> str:
        """A reason code as the officer reads it; an unknown code is shown as it is."""
        names = self.reasons.get(code)
        return names.get(lang) or names.get("vi", code) if names else code

    def is_skip_header(self, header: str) -> bool:
        return _norm(header).strip(" .:") in self._skip_headers


@lru_cache(maxsize=8)
def _cached(catalog_id: int, catalog: Catalog) -> Lexicon:
    return Lexicon(catalog)


def lexicon_for(catalog: Catalog) -> Lexicon:
    return _cached(id(catalog), catalog)
