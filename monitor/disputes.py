"""A disputed figure in words: what its report contradicts (the findings behind it), and whether its
readings agree on the verdict. Every page and export says it with these sentences.

No Streamlit, no SQL, no plotting: plain DataFrames and strings the pages and exports share.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from core.catalog import Catalog
from core.i18n import (
    finding_rule_name,
    fmt_number,
    fmt_value,
    is_missing,
    measure_name,
    t,
)
from monitor.labels import indicator_unit, unit_names
from monitor.unit_tree import UnitTree


def _getter(r: object) -> Callable[..., Any]:
    """A row's field by name, whether the row is a dict (to_dict("records")) or a tuple (itertuples)."""
    return r.get if hasattr(r, "get") else lambda k, d=None: getattr(r, k, d)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _figure_name(catalog: Catalog, code: str, lang: str) -> str:
    name = measure_name(catalog, code, lang)
    return name[:1].lower() + name[1:]


def dispute_sentences(findings: Sequence[dict], catalog: Catalog, lang: str, *, value: object = None,
                      unit: str = "percent", indicator: str = "") -> list[str]:
    """The contradictions behind a disputed value in the report's own figures, in one sentence
    ("325 … / 323 …; …: số liệu báo cáo không khớp"), and a rate over 100% said as such. A part over its
    whole reads as a fraction only for the `indicator` whose numerator it is; for the others sharing the
    whole it reads as what it is, a part larger than the whole."""
    own = catalog.indicators[indicator].numerator if indicator in catalog.indicators else None
    out: list[str] = []
    rank = {"part_exceeds_whole": 0, "stated_rate": 1, "stated_bound": 2, "balance": 3}
    for f in sorted(findings or (), key=lambda f: rank.get(f.get("rule", ""), 9)):
        rule, measure = f.get("rule", ""), f.get("measure", "")
        stated, computed = f.get("stated"), f.get("computed")
        if rule == "part_exceeds_whole":
            m = catalog.measures.get(measure)
            whole = m.whole if m is not None and m.whole else ""
            key = "dispute_part_exceeds_whole" if own is None or measure in own else "dispute_part_over_whole"
            text = t(key, lang, part=fmt_number(computed, lang),
                     part_name=_figure_name(catalog, measure, lang), whole=fmt_number(stated, lang),
                     whole_name=_figure_name(catalog, whole, lang) if whole else "")
        elif rule == "balance":
            text = t("dispute_balance", lang, whole_name=_figure_name(catalog, measure, lang),
                     whole=fmt_number(stated, lang), parts=fmt_number(computed, lang))
        elif rule in ("stated_rate", "stated_bound"):
            ind = catalog.indicators.get(measure)
            kind = ind.unit if ind is not None else "percent"
            num, den = f.get("num"), f.get("den")  # the counts: fields (NULL in a database loaded before)
            stated_text = fmt_number(stated, lang) + ("%" if kind == "percent" else "")  # as written: 31%
            if rule == "stated_rate" and not (is_missing(num) or is_missing(den)):
                text = t("dispute_stated_rate", lang, stated=stated_text,
                         computed=fmt_value(computed, kind, lang), num=fmt_number(num, lang),
                         den=fmt_number(den, lang))
            else:  # a bound, or a rate without its counts: what it states against what they give
                qual = str(f.get("qualifier") or "")
                text = t("dispute_stated_bound", lang, computed=fmt_value(computed, kind, lang),
                         stated=fmt_value(stated, kind, lang, qual) if qual in ("<", ">") else stated_text)
        else:
            text = t("dispute_other", lang, rule=finding_rule_name(rule, lang))
        if text not in out:
            out.append(text)
    out = [t("dispute_end", lang, clauses="; ".join(out))] if out else []
    if unit == "percent" and not is_missing(value) and float(value) > 100 + 1e-9:
        out.append(t("dispute_over_100", lang))
    return out


def disputed_below(values: pd.DataFrame, units: pd.DataFrame) -> dict[tuple[str, str, int, str, str], list[str]]:
    """The sums that include a contradicted figure of a unit below them (n_disputed > 0), each keyed by
    (unit, indicator, year, period, org type), with the units below whose own figure it is, as far as
    `values` holds them (in unit-tree order; [] when it holds none of them)."""
    if values.empty or "n_disputed" not in values:
        return {}
    sums = values[(values["basis"] == "aggregated") & (values["n_disputed"].fillna(0) > 0)]
    if sums.empty:
        return {}
    own = values[values["disputed"].fillna(False).astype(bool) & (values["basis"] != "aggregated")]
    hot: dict[tuple[str, str, int, str, str], list[str]] = {}
    for r in own.itertuples(index=False):
        hot.setdefault((r.indicator, int(r.year), r.period, r.org_type), []).append(r.unit_code)
    tree = UnitTree.of(units)
    under: dict[str, list[str]] = {}  # a unit's subtree, walked once for all its sums (indicators × years)
    out = {}
    for r in sums.itertuples(index=False):
        found = set(hot.get((r.indicator, int(r.year), r.period, r.org_type), ()))
        if r.unit_code not in under:
            under[r.unit_code] = tree.subtree(r.unit_code)[1:]
        below = [u for u in under[r.unit_code] if u in found]
        out[(r.unit_code, r.indicator, int(r.year), r.period, r.org_type)] = below
    return out


def below_names(values: pd.DataFrame, units: pd.DataFrame,
                lang: str) -> dict[tuple[str, str, int, str, str], list[str]]:
    """disputed_below with the units below by name in the reader's language."""
    names = unit_names(units, lang)
    return {key: [names.get(u, u) for u in codes] for key, codes in disputed_below(values, units).items()}


def latest_below(below: dict[tuple[str, str, int, str, str], list[str]], r: object) -> list[str] | None:
    """For an assessment row whose latest figure is a sum that includes a contradicted figure of a unit
    below: those units (from `below`, disputed_below's or below_names' answer; [] when it names none).
    None when its latest figure is no such sum."""
    get = _getter(r)
    year, n = get("latest_year"), get("n_disputed", 0)
    if not is_missing(year):
        key = (str(get("unit_code")), str(get("indicator")), int(year), "Y", "")
        if key in below:
            return list(below[key])
    summed = get("latest_basis", "") == "aggregated" and not is_missing(n) and int(n) > 0
    return [] if summed else None


def flagged(r: object) -> bool:
    """Whether an assessment row carries the mark of a contradicted figure: its own figure is contradicted,
    or it is a sum that includes one of a unit below it (n_disputed > 0)."""
    get = _getter(r)
    n = get("n_disputed", 0)
    return bool(get("disputed", False)) or (not is_missing(n) and int(n) > 0)


def figure_notes(values: pd.DataFrame, units: pd.DataFrame, catalog: Catalog,
                 lang: str) -> dict[tuple[str, str, int, str, str], list[str]]:
    """Every figure of `values` marked ⚑ wherever it is shown, keyed (unit, indicator, year, period, org type),
    with what is said of it, each sentence capitalised: what its report contradicts (its own figure), then
    whose contradicted figures it includes (a total of the units below)."""
    out: dict[tuple[str, str, int, str, str], list[str]] = {}
    if values.empty:
        return out
    if "disputed" in values:
        for r in values[values["disputed"].fillna(False).astype(bool)].itertuples(index=False):
            text = "; ".join(dispute_sentences(r.findings, catalog, lang, value=r.value,
                                               unit=indicator_unit(catalog, r.indicator), indicator=r.indicator))
            out.setdefault((r.unit_code, r.indicator, int(r.year), r.period, r.org_type), []).append(
                _capital(text))
    below = below_names(values, units, lang)
    if below:
        n = {(r.unit_code, r.indicator, int(r.year), r.period, r.org_type): int(r.n_disputed)
             for r in values.itertuples(index=False) if not is_missing(r.n_disputed) and r.n_disputed > 0}
        for key, names in below.items():
            text = below_note(n[key], names, lang)
            out.setdefault(key, []).append(_capital(text))
    return out


def below_note(n: int, below: Sequence[str], lang: str) -> str:
    """'gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Tây Sơn' (the units by name, when known)."""
    text = t("disputed_inputs", lang, n=int(n))
    return t("disputed_inputs_of", lang, text=text, units="; ".join(below)) if below else text


def dispute_note(r: object, catalog: Catalog, lang: str, below: Sequence[str] = ()) -> str:
    """For an assessment row (assess() columns) whose latest figure is disputed: what the report
    contradicts, and whether its readings agree on the verdict. A sum that includes a contradicted figure
    of a unit below says so, naming those units (`below`, by name) when given. '' when undisputed."""
    get = _getter(r)
    if not bool(get("disputed", False)):
        n = get("n_disputed", 0)
        text = below_note(int(n), below, lang) if not is_missing(n) and int(n) > 0 else ""
        return _capital(text)
    unit = indicator_unit(catalog, str(get("indicator")))
    parts = dispute_sentences(get("findings", ()) or (), catalog, lang, value=get("latest_value"), unit=unit,
                              indicator=str(get("indicator")))
    readings = [fmt_value(v, unit, lang, q or "")
                for v, q in [(get("latest_value"), get("latest_qualifier")), *(get("readings", ()) or ())]
                if not is_missing(v)]  # a reading the source does not give is no reading
    readings = list(dict.fromkeys(readings))
    over = unit == "percent" and not is_missing(get("latest_value")) and float(get("latest_value")) > 100 + 1e-9
    if len(readings) > 1 and not over:  # over 100%: no reading to list, the sentence says why
        key = "dispute_readings_split" if get("status") == "to_verify" else "dispute_readings_agree"
        parts.append(t(key, lang, readings="; ".join(readings)))
    text = "; ".join(parts)
    return _capital(text)
