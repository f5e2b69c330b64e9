"""indicators.yaml → typed, cross-checked objects.

The catalogue is the only place that names measures, indicators, organisation types, terms,
resolutions and targets. Everything else asks it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

# every status an assessed target can have, in the order legends list them
STATUSES = ("achieved", "met_latest", "on_track", "accelerate", "off_track", "missed", "to_verify", "insufficient",
            "undecided", "no_data")
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "indicators.yaml"

Comparator = Literal[">", ">=", "=", "<=", "<", "range"]

# libyaml's parser where PyYAML was built with it (~20× faster on indicators.yaml), else the pure-Python
# one; both are the safe loader, and both give the same data (tests/test_start.py).
_SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str, loader: type = _SAFE_LOADER) -> Any:
    """YAML text → plain data, with the safe loader (no tags, no objects): what yaml.safe_load does."""
    parser = loader(text)
    try:
        return parser.get_single_data()
    finally:
        parser.dispose()


class CatalogError(ValueError):
    """indicators.yaml is malformed; the message names the key path and what was expected."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Named(_Model):
    id: str
    name_vi: str
    name_en: str

    def name(self, lang: str = "vi") -> str:
        return self.name_vi if lang == "vi" else self.name_en


class Term(Named):
    start: int
    end: int
    midterm: int

    @model_validator(mode="after")
    def _order(self) -> Term:
        if not self.start < self.end or not self.start <= self.midterm <= self.end:
            raise ValueError("expected start < end and start <= midterm <= end")
        return self

    @property
    def years(self) -> range:
        return range(self.start, self.end + 1)


class RatingLevel(Named):
    abbr: str


class RatedEntity(Named):
    group: str
    org_types: bool = False


class Measure(Named):
    unit: Literal["count"] = "count"
    org_types: bool = False
    whole: str | None = None
    derived_sum: tuple[str, ...] = ()


class Balance(_Model):
    whole: str
    parts: tuple[str, ...]


class Indicator(Named):
    group: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    unit: Literal["percent", "count"] = "percent"
    higher_is_better: bool = True
    detail: bool = False  # a breakdown share shown in tables and checked against reports, not a headline
    may_exceed_100: bool = False  # a share of a plan, not of a whole: 192 admitted of 187 planned is 102,67%

    @property
    def is_rate(self) -> bool:
        return self.unit == "percent"


class Revision(_Model):
    from_year: int
    value: float | tuple[float, float]
    document: str


class Target(_Model):
    id: str
    indicator: str
    comparator: Comparator
    value: float | tuple[float, float]
    frequency: Literal["yearly", "deadline"]
    deadline: int | None = None
    text_vi: str = ""
    revisions: tuple[Revision, ...] = ()

    @model_validator(mode="after")
    def _shape(self) -> Target:
        values = [self.value, *(r.value for r in self.revisions)]
        for v in values:
            if (self.comparator == "range") != isinstance(v, tuple):
                raise ValueError("a range target takes value: [low, high]; other comparators a single number")
            if isinstance(v, tuple) and v[0] > v[1]:
                raise ValueError("range value must be [low, high] with low <= high")
        if (self.frequency == "deadline") != (self.deadline is not None):
            raise ValueError("deadline is required for frequency 'deadline' and only for it")
        years = [r.from_year for r in self.revisions]
        if years != sorted(set(years)):
            raise ValueError("revisions must be in increasing from_year order, one per year")
        return self

    def value_for(self, year: int) -> tuple[float | tuple[float, float], str | None]:
        """The target value that holds in `year`, and the document that set it (None = original)."""
        value, document = self.value, None
        for r in self.revisions:
            if r.from_year <= year:
                value, document = r.value, r.document
        return value, document


class Binds(_Model):
    units: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


class Resolution(_Model):
    id: str
    number: str
    title_vi: str
    title_en: str
    issuer: str
    date: dt.date
    term: str
    source: str = ""
    binds: Binds
    targets: tuple[Target, ...]

    def title(self, lang: str = "vi") -> str:
        return self.title_vi if lang == "vi" else self.title_en


class _Pattern(_Model):
    measures: tuple[dict[str, Any], ...]
    balances: tuple[dict[str, Any], ...] = ()
    indicators: tuple[dict[str, Any], ...]


class _Raw(_Model):
    version: int
    terms: tuple[Term, ...] = Field(min_length=1)
    periods: tuple[Named, ...]
    unit_kinds: tuple[Named, ...]
    org_types: tuple[Named, ...]
    groups: tuple[Named, ...]
    rating_scale: tuple[RatingLevel, ...]
    rated_entities: tuple[RatedEntity, ...]
    rating_pattern: _Pattern
    measures: tuple[Measure, ...]
    balances: tuple[Balance, ...] = ()
    indicators: tuple[Indicator, ...]
    resolutions: tuple[Resolution, ...]
    extraction: dict[str, Any] | None = None


class Catalog:
    """The expanded, cross-checked catalogue. Lookups by id are dicts in declaration order."""

    def __init__(self, raw: _Raw, path: Path) -> None:
        self.path = path
        self.version = raw.version
        self.terms = {t.id: t for t in raw.terms}
        self.periods = {p.id: p for p in raw.periods}
        self.unit_kinds = {k.id: k for k in raw.unit_kinds}
        self.org_types = {o.id: o for o in raw.org_types}
        self.groups = {g.id: g for g in raw.groups}
        self.rating_scale = {r.id: r for r in raw.rating_scale}
        self.rated_entities = {e.id: e for e in raw.rated_entities}
        self.extraction = raw.extraction or {}
        measures, balances, indicators = _expand(raw)
        self.measures: dict[str, Measure] = {}
        for m in [*measures, *raw.measures]:
            _unique(self.measures, m.id, "measures")
            self.measures[m.id] = m
        self.balances = (*balances, *raw.balances)
        self.indicators: dict[str, Indicator] = {}
        for i in [*indicators, *raw.indicators]:
            _unique(self.indicators, i.id, "indicators")
            if i.id in self.measures:
                raise CatalogError(f"indicators.{i.id}: an id may name a measure or an indicator, not both")
            self.indicators[i.id] = i
        self.resolutions = {r.id: r for r in raw.resolutions}
        self._check_references()

    # -- lookups ---------------------------------------------------------------------------------
    def term_of(self, year: int) -> Term | None:
        """The term a year belongs to; a year shared by two terms (2025) belongs to the earlier."""
        return next((t for t in self.terms.values() if t.start <= year <= t.end), None)

    def is_rate(self, code: str) -> bool:
        """True for an indicator stated as a percent (a rate column in an input file)."""
        ind = self.indicators.get(code)
        return ind is not None and ind.is_rate

    def known_code(self, code: str) -> bool:
        return code in self.measures or code in self.indicators

    def applies_to_org_types(self, code: str) -> bool:
        if code in self.measures:
            return self.measures[code].org_types
        ind = self.indicators.get(code)
        return ind is not None and all(self.measures[m].org_types for m in ind.numerator + ind.denominator)

    def targets_for(self, unit_code: str, unit_kind: str,
                    term_id: str | None = None) -> list[tuple[Resolution, Target]]:
        """Targets binding a unit: by code first; a kind-bound target only for indicators not yet covered."""
        by_code, by_kind = [], []
        for r in self.resolutions.values():
            if term_id and r.term != term_id:
                continue
            if unit_code in r.binds.units:
                by_code += [(r, t) for t in r.targets]
            elif unit_kind in r.binds.kinds:
                by_kind += [(r, t) for t in r.targets]
        covered = {t.indicator for _, t in by_code}
        return by_code + [(r, t) for r, t in by_kind if t.indicator not in covered]

    def headline_indicators(self) -> list[Indicator]:
        return [i for i in self.indicators.values() if not i.detail]

    # -- checks ----------------------------------------------------------------------------------
    def _check_references(self) -> None:
        for m in self.measures.values():
            for ref, where in [(m.whole, "whole"), *((d, "derived_sum") for d in m.derived_sum)]:
                if ref is not None and ref not in self.measures:
                    raise CatalogError(f"measures.{m.id}.{where}: unknown measure '{ref}'")
        for i, b in enumerate(self.balances):
            for ref in (b.whole, *b.parts):
                if ref not in self.measures:
                    raise CatalogError(f"balances[{i}]: unknown measure '{ref}'")
        for ind in self.indicators.values():
            if ind.group not in self.groups:
                raise CatalogError(f"indicators.{ind.id}.group: unknown group '{ind.group}'")
            for ref in ind.numerator + ind.denominator:
                if ref not in self.measures:
                    raise CatalogError(f"indicators.{ind.id}: unknown measure '{ref}' in its formula")
            if ind.is_rate != bool(ind.denominator):
                raise CatalogError(f"indicators.{ind.id}: a percent needs a denominator, a count has none")
        for r in self.resolutions.values():
            if r.term not in self.terms:
                raise CatalogError(f"resolutions.{r.id}.term: unknown term '{r.term}'")
            for k in r.binds.kinds:
                if k not in self.unit_kinds:
                    raise CatalogError(f"resolutions.{r.id}.binds.kinds: unknown unit kind '{k}'")
            seen: set[str] = set()
            term = self.terms[r.term]
            for t in r.targets:
                where = f"resolutions.{r.id}.targets.{t.id}"
                if t.id in seen:
                    raise CatalogError(f"{where}: duplicate target id")
                seen.add(t.id)
                if t.indicator not in self.indicators:
                    raise CatalogError(f"{where}.indicator: unknown indicator '{t.indicator}'")
                if t.deadline is not None and not term.start <= t.deadline <= term.end:
                    raise CatalogError(f"{where}.deadline: {t.deadline} is outside term {term.id}")


def _unique(seen: dict[str, Any], key: str, where: str) -> None:
    if key in seen:
        raise CatalogError(f"{where}.{key}: duplicate id")


def _fill(value: Any, subs: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**subs)
    if isinstance(value, list | tuple):
        return [_fill(v, subs) for v in value]
    return value


def _expand(raw: _Raw) -> tuple[list[Measure], list[Balance], list[Indicator]]:
    """Expand rating_pattern over rated_entities × rating_scale into plain measures and indicators."""
    measures: list[Measure] = []
    balances: list[Balance] = []
    indicators: list[Indicator] = []
    for e in raw.rated_entities:
        subs = {"e": e.id, "vi": e.name_vi, "en": e.name_en}
        for spec in raw.rating_pattern.measures:
            spec = dict(spec)
            per_level = spec.pop("per_level", False)
            levels: Iterable[RatingLevel | None] = raw.rating_scale if per_level else [None]
            for level in levels:
                s = dict(subs)
                if level is not None:
                    s |= {"level": level.id, "level_vi_lower": level.name_vi.lower(),
                          "level_en_lower": level.name_en.lower()}
                fields = {k: _fill(v, s) for k, v in spec.items()}
                measures.append(_build(Measure, {**fields, "org_types": e.org_types},
                                       f"rating_pattern.measures ({e.id})"))
        for spec in raw.rating_pattern.balances:
            balances.append(_build(Balance, {k: _fill(v, subs) for k, v in spec.items()},
                                   f"rating_pattern.balances ({e.id})"))
        for spec in raw.rating_pattern.indicators:
            fields = {k: _fill(v, subs) for k, v in spec.items()}
            indicators.append(_build(Indicator, {"group": e.group, **fields},
                                     f"rating_pattern.indicators ({e.id})"))
    return measures, balances, indicators


def _build(model: type[_Model], data: dict[str, Any], where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise CatalogError(_describe(exc, where)) from None


def _describe(exc: ValidationError, prefix: str = "") -> str:
    lines = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"])
        path = f"{prefix}.{path}" if prefix and path else prefix or path
        lines.append(f"{path}: {err['msg']}")
    return "; ".join(lines)


def load_catalog(path: str | Path = DEFAULT_PATH) -> Catalog:
    """Read and check a catalogue file. Raises CatalogError naming the key path on any fault."""
    path = Path(path)
    try:
        data = read_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: expected a mapping at the top level")
    try:
        raw = _Raw.model_validate(data)
    except ValidationError as exc:
        raise CatalogError(f"{path}: {_describe(exc)}") from None
    return Catalog(raw, path)


@lru_cache(maxsize=4)
def default_catalog(path: str = str(DEFAULT_PATH)) -> Catalog:
    return load_catalog(path)
