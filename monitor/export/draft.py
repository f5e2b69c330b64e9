"""The draft of a report's results section, in the genre of the reports themselves (seeds/003 II.1).

    - Chỉ tiêu đề ra: Hằng năm, có 100% chi, đảng bộ cơ sở hoàn thành nhiệm vụ; …
    - Kết quả:
    + Năm 2021 có 56/58 tổ chức cơ sở đảng được xếp loại hoàn thành tốt nhiệm vụ (tỷ lệ 96,55%), trong
      đó có 13 tổ chức hoàn thành xuất sắc nhiệm vụ (tỷ lệ 23,21%); vượt chỉ tiêu đề ra.
    Dự báo đến năm 2025, đạt chỉ tiêu đề ra.

Every sentence is a template from drafting.yaml filled with the unit's figures; the verdict is worked
out here from the target that held that year, and the forecast comes from the attainment status. No
language model: the same data always gives the same draft. No Streamlit, no python-docx: the Unit page
imports this module to show the draft as text.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.catalog import Catalog, Target, read_yaml
from core.i18n import fmt_number, fmt_target, fmt_value, is_missing, lang_of, with_qualifier
from monitor.attainment import met as attainment_met
from monitor.disputes import below_names, below_note, dispute_sentences  # the dashboard's words for the same

DEFAULT_PATH = Path(__file__).resolve().parent.parent.parent / "drafting.yaml"
PLAIN_FIELDS = frozenset({"when", "year", "unit"})
FIGURE_ATTRS = frozenset({"num", "den", "value"})
VERDICTS = ("exceeded", "met", "not_met", "undecided")


class DraftingError(ValueError):
    """drafting.yaml is malformed or names an unknown indicator; the message names the key path."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Section(_Model):
    heading: str
    indicators: tuple[str, ...] = Field(min_length=1)
    sentences: tuple[str, ...] = ()


class Language(_Model):
    rate_decimals: int = Field(2, ge=0, le=2)
    when: dict[str, str]
    targets_line: str
    results_line: str
    bullet: str
    no_results: str
    generic_rate: str
    generic_count: str
    counts: str
    verdict: dict[str, str]
    forecast: dict[str, str]
    forecast_named: str
    # a figure the report contradicts so that it cannot be judged: said, never stated as a result
    verify: str = ""
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Block:
    """One paragraph of the draft: heading | targets | results | bullet | forecast | empty."""

    kind: str
    text: str


# -- configuration ---------------------------------------------------------------------------------

def _fields(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]


def _check(lang: str, cfg: Language, catalog: Catalog) -> None:
    where = f"drafting.yaml: {lang}"
    for key in VERDICTS:
        if key not in cfg.verdict:
            raise DraftingError(f"{where}.verdict: missing '{key}'")
    if "{what}" not in cfg.verify:
        raise DraftingError(f"{where}.verify: expected a sentence with {{what}}")
    for status in ("achieved", "on_track", "accelerate", "off_track", "missed", "insufficient", "undecided",
                   "to_verify", "no_data"):
        if status not in cfg.forecast:
            raise DraftingError(f"{where}.forecast: missing '{status}'")
    for period in cfg.when:
        if period not in catalog.periods:
            raise DraftingError(f"{where}.when: unknown period '{period}'")
    for i, sec in enumerate(cfg.sections):
        for ind in sec.indicators:
            if ind not in catalog.indicators:
                raise DraftingError(f"{where}.sections[{i}].indicators: unknown indicator '{ind}'")
        for j, template in enumerate(sec.sentences):
            try:
                names = _fields(template)
            except ValueError as exc:
                raise DraftingError(f"{where}.sections[{i}].sentences[{j}]: {exc}") from None
            for name in names:
                base, _, attr = name.partition(".")
                if base in PLAIN_FIELDS and not attr:
                    continue
                if base not in catalog.indicators:
                    raise DraftingError(f"{where}.sections[{i}].sentences[{j}]: unknown field '{{{name}}}'")
                if attr and attr not in FIGURE_ATTRS:
                    raise DraftingError(f"{where}.sections[{i}].sentences[{j}]: '{{{name}}}': expected "
                                        f".num, .den or .value after an indicator")


@lru_cache(maxsize=8)
def _load(path: str, mtime: float, catalog: Catalog) -> dict[str, Language]:
    try:
        data = read_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DraftingError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise DraftingError(f"{path}: expected a mapping of language → templates")
    out: dict[str, Language] = {}
    for lang, block in data.items():
        try:
            cfg = Language.model_validate(block)
        except ValidationError as exc:
            msgs = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise DraftingError(f"drafting.yaml: {lang}: {msgs}") from None
        _check(lang, cfg, catalog)
        out[lang] = cfg
    if "vi" not in out:
        raise DraftingError("drafting.yaml: the 'vi' block is required")
    return out


def load_drafting(catalog: Catalog, path: str | Path = DEFAULT_PATH) -> dict[str, Language]:
    """The templates per language, checked against the catalogue (cached until the file changes)."""
    try:
        mtime = Path(path).stat().st_mtime
    except OSError as exc:
        raise DraftingError(f"{path}: cannot read: {exc}") from None
    return _load(str(path), mtime, catalog)


# -- figures ---------------------------------------------------------------------------------------

class _Missing(Exception):
    """A template names a figure the data does not have."""


def _round(x: float, decimals: int) -> float:
    return float(Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class _Figure:
    value: float
    qualifier: str
    num: float
    den: float
    unit: str

    def text(self, lang: str, decimals: int) -> str:
        if self.unit == "percent":
            return with_qualifier(fmt_number(_round(self.value, decimals), lang) + "%", self.qualifier, lang)
        return with_qualifier(fmt_number(self.value, lang, 0), self.qualifier, lang)


def _text(x: Any, qualifier: Any, unit: str, lang: str, decimals: int) -> str:
    if is_missing(x):
        return fmt_value(x, unit, lang)
    return _Figure(float(x), str(qualifier or ""), float("nan"), float("nan"), unit).text(lang, decimals)


class _Filler(string.Formatter):
    def __init__(self, figures: dict[str, _Figure], plain: dict[str, str], lang: str, decimals: int) -> None:
        super().__init__()
        self.figures, self.plain, self.lang, self.decimals = figures, plain, lang, decimals

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Any) -> tuple[str, str]:
        base, _, attr = field_name.partition(".")
        if base in self.plain and not attr:
            return self.plain[base], base
        fig = self.figures.get(base)
        if fig is None:
            raise _Missing(base)
        if attr in ("", "value"):
            return fig.text(self.lang, self.decimals), base
        count = fig.num if attr == "num" else fig.den
        if is_missing(count):
            raise _Missing(field_name)
        return fmt_number(count, self.lang, 0), base


def _to_verify(values: pd.DataFrame, bound: list[_Bound], catalog: Catalog, lang: str,
               below: dict[tuple[str, str, int, str, str], list[str]] | None = None,
               ) -> tuple[dict[tuple[int, str], dict[str, str]], dict[tuple[int, str], dict[str, str]]]:
    """(year, period) → indicator → what the report contradicts, for every figure it contradicts; and the
    same for those no result can be drawn from (a rate over 100%, or the latest figure of a target whose
    readings disagree on met), which are not stated as results. The others are stated, and the
    contradiction and the request to verify follow them. A total that includes a contradicted figure of
    a unit below is stated too, followed by whose figures it includes (`below`: disputes.below_names)."""
    if values.empty or "disputed" not in values:
        return {}, {}
    split = {(b.indicator, int(b.row.latest_year)) for b in bound
             if b.row.status == "to_verify" and not is_missing(b.row.latest_year)}
    every: dict[tuple[int, str], dict[str, str]] = {}
    no_result: dict[tuple[int, str], dict[str, str]] = {}
    for r in values[values["disputed"].astype(bool)].itertuples(index=False):
        ind = catalog.indicators.get(r.indicator)
        if ind is None:
            continue
        what = "; ".join(dispute_sentences(r.findings, catalog, lang, value=r.value, unit=ind.unit,
                                             indicator=r.indicator))
        key = (int(r.year), str(r.period))
        every.setdefault(key, {})[r.indicator] = what
        over = ind.is_rate and not ind.may_exceed_100 and not is_missing(r.value) and float(r.value) > 100 + 1e-9
        if over or (r.indicator, int(r.year)) in split:
            no_result.setdefault(key, {})[r.indicator] = what
    if "n_disputed" in values:
        sums = values[(values["basis"] == "aggregated") & (values["n_disputed"].fillna(0) > 0)]
        for r in sums.itertuples(index=False):
            if r.indicator not in catalog.indicators:
                continue
            whose = below_note(int(r.n_disputed), (below or {}).get(
                (r.unit_code, r.indicator, int(r.year), r.period, r.org_type), []), lang)
            said = every.setdefault((int(r.year), str(r.period)), {})
            said[r.indicator] = f"{said[r.indicator]}; {whose}" if r.indicator in said else whose
    return every, no_result


def _figures(values: pd.DataFrame, catalog: Catalog,
             skip: dict[tuple[int, str], dict[str, str]] | None = None) -> dict[tuple[int, str], dict[str, _Figure]]:
    """(year, period) → indicator → figure, for one unit's rows (without those in `skip`)."""
    out: dict[tuple[int, str], dict[str, _Figure]] = {}
    for r in values.itertuples(index=False):
        ind = catalog.indicators.get(r.indicator)
        if ind is None or is_missing(r.value) or r.indicator in (skip or {}).get((int(r.year), str(r.period)), {}):
            continue
        out.setdefault((int(r.year), str(r.period)), {})[r.indicator] = _Figure(
            float(r.value), str(r.qualifier or ""), _float(r.num), _float(r.den), ind.unit)
    return out


def _float(x: Any) -> float:
    return float("nan") if is_missing(x) else float(x)


# -- verdicts --------------------------------------------------------------------------------------

def _beyond(value: float, qualifier: str, comparator: str, low: float) -> bool:
    """Met and past the target's figure ('vượt'): 96,55% against 'trên 80%'; 100% against 100% is only 'đạt'."""
    if comparator in (">", ">="):
        return value > low or qualifier == ">"
    if comparator in ("<", "<="):
        return value < low or qualifier == "<"
    return False


def _target_at(catalog: Catalog, resolution_id: str, target_id: str) -> Target | None:
    res = catalog.resolutions.get(resolution_id)
    return next((t for t in res.targets if t.id == target_id), None) if res else None


def _bounds(target: Target, year: int) -> tuple[float, float | None]:
    value, _ = target.value_for(year)
    return (float(value[0]), float(value[1])) if isinstance(value, tuple) else (float(value), None)


# -- the draft -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Bound:
    """A target binding the unit, with its assessment row."""

    target: Target
    row: Any  # the assessment row (namedtuple)

    @property
    def indicator(self) -> str:
        return self.target.indicator


def _sections(cfg: Language, bound: list[_Bound], catalog: Catalog, lang: str) -> list[Section]:
    """Configured sections a target of the unit falls in, then one per catalogue group for the rest."""
    targeted = {b.indicator for b in bound}
    out: list[Section] = []
    placed: set[str] = set()
    for sec in cfg.sections:
        if targeted.intersection(sec.indicators):
            out.append(sec)
            placed.update(sec.indicators)
    rest: dict[str, list[str]] = {}
    for b in bound:
        if b.indicator not in placed:
            rest.setdefault(catalog.indicators[b.indicator].group, []).append(b.indicator)
    for group in catalog.groups:
        if group in rest:
            out.append(Section(heading=catalog.groups[group].name(lang), indicators=tuple(dict.fromkeys(rest[group]))))
    return out


def _target_text(b: _Bound, catalog: Catalog, lang: str) -> str:
    if lang == "vi" and b.target.text_vi:
        return b.target.text_vi.rstrip(" .;")
    ind = catalog.indicators[b.indicator]
    r = b.row
    text = f"{ind.name(lang)}: {fmt_target(r.comparator, r.target, r.target_high, ind.unit, lang)}"
    if b.target.frequency == "deadline":
        text += f" ({b.target.deadline})"
    return text


def _verdict(cfg: Language, catalog: Catalog, mentioned: Iterable[str], bound: list[_Bound],
             figures: dict[str, _Figure], year: int, lang: str) -> str:
    """The verdict over the yearly targets a sentence mentions ('' when it mentions none)."""
    judged = []
    for b in bound:
        if b.indicator not in mentioned or b.target.frequency != "yearly" or b.indicator not in figures:
            continue
        fig = figures[b.indicator]
        low, high = _bounds(b.target, year)
        info = catalog.indicators[b.indicator]
        met = attainment_met(fig.value, fig.qualifier, b.target.comparator, low,
                             float("nan") if high is None else high, info.is_rate and not info.may_exceed_100)
        judged.append((b, met, met == "yes" and _beyond(fig.value, fig.qualifier, b.target.comparator, low),
                       low, high))
    if not judged:
        return ""

    def listed(which: list[tuple]) -> str:
        return "; ".join(fmt_target(b.target.comparator, low, high, catalog.indicators[b.indicator].unit, lang)
                         for b, _, _, low, high in which)

    missed = [j for j in judged if j[1] == "no"]
    if missed:
        return cfg.verdict["not_met"].format(targets=listed(missed))
    unsure = [j for j in judged if j[1] == "undecided"]
    if unsure:
        return cfg.verdict["undecided"].format(targets=listed(unsure))
    return cfg.verdict["exceeded" if all(j[2] for j in judged) else "met"]


def _sentence(text: str, verdict: str) -> str:
    text = text.rstrip(" .;")
    return f"{text}; {verdict}." if verdict else f"{text}."


def _year_sentences(cfg: Language, catalog: Catalog, sec: Section, bound: list[_Bound],
                    figures: dict[str, _Figure], year: int, period: str, lang: str, unit_name: str,
                    verify: dict[str, str] | None = None) -> list[str]:
    targeted = {b.indicator for b in bound if b.indicator in sec.indicators}
    when = cfg.when.get(period, "{year}").format(year=year)
    checks = []  # the figures the report contradicts: the contradiction, and a request to verify it
    for ind, what in (verify or {}).items():
        if ind in targeted:
            name = catalog.indicators[ind].name(lang)
            checks.append(_sentence(cfg.verify.format(when=when, name=name[0].lower() + name[1:] if lang == "vi"
                                                      else name, what=what), ""))
    plain = {"when": cfg.when.get(period, "{year}").format(year=year), "year": str(year), "unit": unit_name}
    filler = _Filler(figures, plain, lang, cfg.rate_decimals)
    mentioned: set[str] = set()
    out: list[str] = []
    for template in sec.sentences:
        names = {f.partition(".")[0] for f in _fields(template)} - PLAIN_FIELDS
        new = names - mentioned
        # a sentence must say something new about a target; one about figures no target names (a plan
        # share in the first half of the year) only when nothing else can be said that year
        if not new or not (new & targeted or (not out and not names & targeted and names <= set(figures))):
            continue
        try:
            text = filler.format(template)
        except _Missing:
            continue
        mentioned |= names
        out.append(_sentence(text, _verdict(cfg, catalog, names, bound, figures, year, lang) if period == "Y"
                             else ""))
    for ind in sorted(targeted - mentioned, key=list(sec.indicators).index):
        fig = figures.get(ind)
        if fig is None:
            continue
        info = catalog.indicators[ind]
        name = info.name(lang)
        name = name[0].lower() + name[1:] if lang == "vi" else name
        counts = ("" if is_missing(fig.num) or is_missing(fig.den)
                  else cfg.counts.format(num=fmt_number(fig.num, lang, 0), den=fmt_number(fig.den, lang, 0)))
        template = cfg.generic_rate if info.unit == "percent" else cfg.generic_count
        text = template.format(when=plain["when"], name=name, value=fig.text(lang, cfg.rate_decimals),
                               counts=counts)
        out.append(_sentence(text, _verdict(cfg, catalog, {ind}, bound, figures, year, lang)
                             if period == "Y" else ""))
    return out + checks


def _forecasts(cfg: Language, catalog: Catalog, bound: list[_Bound], lang: str) -> list[str]:
    deadline = [b for b in bound if b.target.frequency == "deadline"]
    if not deadline:
        return []
    texts = []
    for b in deadline:
        r, unit = b.row, catalog.indicators[b.indicator].unit
        status = r.status if r.status in cfg.forecast else "no_data"
        if status == "off_track" and not is_missing(r.latest_year) and (
                int(r.latest_year) >= b.target.deadline or is_missing(r.projected)):
            status = "missed"  # no forecast left to make: the deadline's figure is in, or the deadline has come
        texts.append((b, status, cfg.forecast[status].format(
            deadline=b.target.deadline, target=fmt_target(r.comparator, r.target, r.target_high, unit, lang),
            projected=_text(r.projected, "", unit, lang, cfg.rate_decimals),
            latest=("" if status == "to_verify"  # the contradicted figure is no result to repeat
                    else _text(r.latest_value, r.latest_qualifier, unit, lang, cfg.rate_decimals)),
            latest_year="" if is_missing(r.latest_year) else int(r.latest_year))))
    if len({text for _, _, text in texts}) == 1:  # "Dự báo đến năm 2025, đạt chỉ tiêu đề ra." once for all
        return [texts[0][2]]
    out = []
    for b, _, text in texts:
        name = catalog.indicators[b.indicator].name(lang)
        body = text[0].lower() + text[1:] if lang == "vi" else text
        out.append(cfg.forecast_named.format(name=name, forecast=body))
    return out


def draft_blocks(unit: str, assessments: pd.DataFrame, values: pd.DataFrame, catalog: Catalog,
                 lang: str = "vi", *, unit_name: str = "", as_of: int | None = None,
                 drafting: dict[str, Language] | None = None, units: pd.DataFrame | None = None) -> list[Block]:
    """The draft as paragraphs, for the Word file (headings, target lines, bullets, forecasts). Given
    `units` (and `values` of the units below), a total that includes a contradicted figure of a unit below
    names that unit."""
    lang = lang_of(lang)
    configs = drafting or load_drafting(catalog)
    cfg = configs.get(lang, configs["vi"])
    rows = assessments[assessments["unit_code"] == unit] if not assessments.empty else assessments
    bound = []
    for r in rows.itertuples(index=False):
        target = _target_at(catalog, r.resolution_id, r.target_id)
        if target is not None:
            bound.append(_Bound(target, r))
    if not bound:
        return []
    below = below_names(values, units, lang) if units is not None else {}
    v = values[values["unit_code"] == unit] if not values.empty else values
    if not v.empty and (v["org_type"] == "").any():
        v = v[v["org_type"] == ""]
    if as_of is not None and not v.empty:
        v = v[v["year"] <= as_of]
    terms = {catalog.resolutions[b.row.resolution_id].term for b in bound}
    years = {y for term in terms for y in catalog.terms[term].years}
    v = v[v["year"].isin(years)] if not v.empty else v
    verify, no_result = _to_verify(v, bound, catalog, lang, below)
    figures = _figures(v, catalog, skip=no_result)
    blocks: list[Block] = []
    for n, sec in enumerate(_sections(cfg, bound, catalog, lang), start=1):
        sec_bound = [b for b in bound if b.indicator in sec.indicators]
        blocks.append(Block("heading", f"{n}. {sec.heading}"))
        blocks.append(Block("targets", cfg.targets_line.format(
            targets="; ".join(_target_text(b, catalog, lang) for b in sec_bound))))
        blocks.append(Block("results", cfg.results_line))
        written = 0
        for year in sorted({y for y, _ in figures} | {y for y, _ in verify}):
            for period in catalog.periods:  # in the order a year's figures are taken from
                figs = figures.get((year, period), {})
                checks = verify.get((year, period), {})
                if not set(figs).intersection(sec.indicators) and not set(checks).intersection(sec.indicators):
                    continue
                sentences = _year_sentences(cfg, catalog, sec, sec_bound, figs, year, period, lang,
                                            unit_name or unit, checks)
                blocks += [Block("bullet", cfg.bullet + s) for s in sentences]
                written += len(sentences)
                if sentences:
                    break  # a whole year's figures make the term's and the first half's redundant
        if not written:
            blocks.append(Block("empty", cfg.bullet + cfg.no_results))
        blocks += [Block("forecast", f) for f in _forecasts(cfg, catalog, sec_bound, lang)]
    return blocks


def draft_text(unit: str, assessments: pd.DataFrame, values: pd.DataFrame, catalog: Catalog,
               lang: str = "vi", *, unit_name: str = "", as_of: int | None = None,
               units: pd.DataFrame | None = None) -> str:
    """The draft of the results section for one unit, as plain text (one paragraph a line).

    assessments: monitor.attainment.assess rows; values: monitor.attainment.indicator_values rows.
    Empty when no target binds the unit.
    """
    return "\n".join(b.text for b in draft_blocks(unit, assessments, values, catalog, lang,
                                                  unit_name=unit_name, as_of=as_of, units=units))
