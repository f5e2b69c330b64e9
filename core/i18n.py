"""Words and numbers as a reader sees them: Vietnamese first, English on request. No Streamlit here.

Every label is either a catalogue name (indicators.yaml) or a key of strings.yaml. Numbers follow the
language: Vietnamese writes 1.234,5 and 96,6%, English 1,234.5 and 96.6%. A bound stays a bound
("trên 90%"), a missing figure is shown as missing ("—"), never as 0. Rounding is half up, as the
reports round (96,55 → 96,6), not banker's rounding.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.catalog import BOUNDS, Balance, Catalog, default_catalog, read_yaml

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"
MISSING = "—"
STRINGS_PATH = Path(__file__).resolve().parent / "strings.yaml"
_LOCALE = {"vi": "vi_VN", "en": "en_US"}

# Status codes of docs/attainment-api.md, in the order a reader ranks them (best first), and those the
# headlines count on their own: declared once, in indicators.yaml (method.statuses); named and styled here.
STATUS_CODES = default_catalog().statuses
HEADLINE_STATUSES = default_catalog().headline_statuses
# Not an attainment status: the unit has a value for an indicator no resolution sets a target for.
NO_TARGET = "no_target"
# Beside a figure its own source contradicts whose verdict still stands on every reading (docs/method.md §8).
DISPUTED_MARK = "⚑"

# Okabe–Ito palette (safe for the common colour-vision deficiencies), and a symbol for every status so
# that colour is never the only carrier: the symbol is printed in cells and used as the marker shape.
STATUS_STYLE: dict[str, dict[str, str]] = {
    "achieved": {"color": "#009E73", "symbol": "✔", "marker": "circle", "text": "#000000"},
    # met in the latest year after a year missed: achieved's hue, lighter
    "met_latest": {"color": "#9AD9C2", "symbol": "☑", "marker": "circle-dot", "text": "#000000"},
    "on_track": {"color": "#56B4E9", "symbol": "↗", "marker": "triangle-up", "text": "#000000"},
    "accelerate": {"color": "#E69F00", "symbol": "⚠", "marker": "diamond", "text": "#000000"},
    "off_track": {"color": "#D55E00", "symbol": "✖", "marker": "x", "text": "#000000"},
    # a deadline come and the target not met (the term's final review): off_track's hue, its own symbol
    "missed": {"color": "#D55E00", "symbol": "✘", "marker": "x-open", "text": "#000000"},
    # the readings of a contradicted figure disagree: yellow, the palette's last unused hue
    "to_verify": {"color": "#F0E442", "symbol": "⁉", "marker": "hexagram", "text": "#000000"},
    "insufficient": {"color": "#BBBBBB", "symbol": "…", "marker": "square", "text": "#000000"},
    "undecided": {"color": "#CC79A7", "symbol": "?", "marker": "star", "text": "#000000"},
    "no_data": {"color": "#EEEEEE", "symbol": "—", "marker": "circle-open", "text": "#555555"},
    NO_TARGET: {"color": "#D9D9D9", "symbol": "·", "marker": "circle-open", "text": "#333333"},
}


class StringsError(ValueError):
    """strings.yaml is malformed; the message names the key."""


# Every value of a strings file is text: libyaml's base loader reads them as the safe one does (a test says
# so), without resolving each scalar's type, a quarter less of what every command pays before its first line.
_TEXT_LOADER: type = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


@lru_cache(maxsize=4)
def load_strings(path: str = str(STRINGS_PATH)) -> dict[str, dict[str, str]]:
    data = read_yaml(Path(path).read_text(encoding="utf-8"), _TEXT_LOADER)
    if not isinstance(data, dict):
        raise StringsError(f"{path}: expected a mapping of key → {{vi, en}}")
    for key, entry in data.items():
        if not isinstance(entry, dict) or set(entry) != set(LANGS) or not all(
                isinstance(v, str) for v in entry.values()):
            raise StringsError(f"{path}: {key}: expected exactly the texts vi and en")
    return data


def lang_of(value: Any) -> str:
    return value if value in LANGS else DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, **fill: Any) -> str:
    """The text for `key` in `lang`, with {placeholders} filled. An unknown key raises KeyError."""
    text = load_strings()[key][lang_of(lang)]
    return text.format(**fill) if fill else text


def both(key: str, **fill: Any) -> str:
    """A line of the command line: the Vietnamese sentence of `key`, then ' — ' and the English one (the
    officer reads the first, whoever runs the command may read the second). A fill is said in each
    language: a whole number its way (1.234 / 1,234), a fraction to one decimal, a callable asked with the
    language (a clause of its own key, or nothing); any other as it is."""
    def said(value: Any, lang: str) -> str:
        if callable(value):
            return str(value(lang))
        if isinstance(value, int) and not isinstance(value, bool):
            return fmt_count(value, lang)
        if isinstance(value, float):
            return fmt_number(value, lang, 1)
        return str(value)

    return " — ".join(t(key, lang, **{k: said(v, lang) for k, v in fill.items()}) for lang in LANGS)


STATUS_LABELS: dict[str, dict[str, str]] = {
    code: {lang: load_strings()[f"status_{code}"][lang] for lang in LANGS}
    for code in (*STATUS_CODES, NO_TARGET)
}


def status_style(code: str) -> dict[str, str]:
    """Colour, text colour, symbol and marker of a status; an unknown one is drawn as no data."""
    return STATUS_STYLE.get(code, STATUS_STYLE["no_data"])


def status_help(code: str, lang: str = DEFAULT_LANG) -> str:
    """How a status was decided, in a sentence (legend tooltips, headline help)."""
    code = code if code in STATUS_LABELS else "no_data"
    return t(f"status_help_{code}", lang)


def status_label(code: str, lang: str = DEFAULT_LANG, symbol: bool = True) -> str:
    code = code if code in STATUS_LABELS else "no_data"
    label = STATUS_LABELS[code][lang_of(lang)]
    return f"{STATUS_STYLE[code]['symbol']} {label}" if symbol else label


# -- numbers ---------------------------------------------------------------------------------------

def is_missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def _round_half_up(x: float, decimals: int) -> Decimal:
    q = Decimal(1).scaleb(-decimals)
    d = Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)
    return d + 0  # turns -0 into 0 so that -0,04 rounded to one decimal reads 0,0


def fmt_number(x: Any, lang: str = DEFAULT_LANG, decimals: int | None = None) -> str:
    """1234.5 → '1.234,5' (vi) / '1,234.5' (en). decimals=None: whole numbers bare, else up to 2
    decimals without trailing zeros. Missing → '—'."""
    if is_missing(x):
        return MISSING
    value = float(x)
    if decimals is None:
        d = _round_half_up(value, 2)
        pattern = "#,##0.##"
    else:
        d = _round_half_up(value, decimals)
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    # imported here: the load command says its counts without babel (fmt_count), and imports none
    from babel.numbers import format_decimal

    return format_decimal(d, format=pattern, locale=_LOCALE[lang_of(lang)], decimal_quantization=False)


def fmt_count(n: int, lang: str = DEFAULT_LANG) -> str:
    """A whole count the reader's way: 1.234 (vi), 1,234 (en); what fmt_number gives a whole number, without
    babel (the load command, which says only counts, imports none)."""
    text = f"{int(n):,}"
    return text.replace(",", ".") if lang_of(lang) == "vi" else text


def fmt_time(iso: str, lang: str = DEFAULT_LANG) -> str:
    """A moment stored as ISO text ('2026-12-07T20:48:51+00:00') the reader's way: 07/12/2026 20:48:51 (vi),
    2026-12-07 20:48:51 (en); text that is no such moment as it is."""
    import datetime as dt

    try:
        at = dt.datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    return at.strftime("%d/%m/%Y %H:%M:%S" if lang_of(lang) == "vi" else "%Y-%m-%d %H:%M:%S")


def with_qualifier(text: str, qualifier: str | None, lang: str = DEFAULT_LANG) -> str:
    """'90%' with '>' → 'trên 90%'. A bound is a bound: it is never shown as the number alone."""
    if text == MISSING:
        return text
    key = {">": "bound_over", "<": "bound_under", "~": "approx"}.get(qualifier or "")
    return t(key, lang, x=text) if key else text


def fmt_percent(x: Any, lang: str = DEFAULT_LANG, decimals: int = 1, qualifier: str | None = "") -> str:
    """96.55 (already in percent) → '96,6%'; with qualifier '>' → 'trên 96,6%'. Missing → '—'."""
    if is_missing(x):
        return MISSING
    return with_qualifier(fmt_number(x, lang, decimals) + "%", qualifier, lang)


def fmt_value(x: Any, unit: str, lang: str = DEFAULT_LANG, qualifier: str | None = "",
              decimals: int | None = None) -> str:
    """An indicator value: percent (0–100) or a count, with its bound or approximation."""
    if unit == "percent":
        if decimals is None:
            # a bound is written as the source wrote it: "trên 90%", not "trên 90,0%"
            # small rates keep their hundredths: 4,16% against "trên 4%" must not read 4,2%
            whole_bound = qualifier in BOUNDS and not is_missing(x) and float(x).is_integer()
            decimals = 0 if whole_bound else 2 if not is_missing(x) and abs(float(x)) < 10 else 1
        return fmt_percent(x, lang, decimals, qualifier)
    if is_missing(x):
        return MISSING
    return with_qualifier(fmt_number(x, lang, 0 if decimals is None else decimals), qualifier, lang)


def fmt_change(x: Any, unit: str, lang: str = DEFAULT_LANG) -> str:
    """A yearly change: '+1,2 điểm %/năm' for a rate, '+35/năm' for a count. Missing → '—'."""
    if is_missing(x):
        return MISSING
    sign = "+" if float(x) > 0 else ""
    decimals = (2 if 0 < abs(float(x)) < 0.1 else 1) if unit == "percent" else 0
    body = sign + fmt_number(x, lang, decimals)
    if unit == "percent":
        body += " " + t("points", lang)
    return t("per_year", lang, x=body)


def fmt_target(comparator: str, target: Any, target_high: Any = None, unit: str = "percent",
               lang: str = DEFAULT_LANG) -> str:
    """A target as the resolutions write it: 'trên 80%', 'từ 95% trở lên', '15–20%'."""
    if is_missing(target):
        return MISSING

    def v(x: Any) -> str:  # a target as written: 4,5% and 100%, never 100,0%
        return fmt_number(x, lang, None) + ("%" if unit == "percent" else "")

    if comparator == "range":
        return t("cmp_range", lang, low=v(target), high=v(target_high))
    key = {">": "cmp_gt", ">=": "cmp_ge", "=": "cmp_eq", "<=": "cmp_le", "<": "cmp_lt"}.get(comparator, "cmp_eq")
    return t(key, lang, x=v(target))


def unit_name(row: Any, lang: str = DEFAULT_LANG) -> str:
    """A unit's name from a units-table row (mapping or namedtuple); English falls back to Vietnamese."""
    get = row.get if hasattr(row, "get") else lambda k, d=None: getattr(row, k, d)
    if lang_of(lang) == "en" and get("name_en", ""):
        return str(get("name_en"))
    return str(get("name_vi", "") or get("unit_code", ""))


def source_text(source: Any, basis: Any = "", n_units: Any = None, lang: str = DEFAULT_LANG,
                from_units: Any = "", note: Any = None) -> str:
    """A figure's source in the reader's language. An aggregate has no document of its own: its source
    says how many units below it sums ('Tổng hợp từ 3 đơn vị cấp dưới'); a year before a unit existed
    names the units it is computed from (basis 'predecessors', `from_units`); then any source text the
    figure carries, and how a term-to-date figure was judged (`note`: source_note)."""
    text = "" if source is None or (isinstance(source, float) and math.isnan(source)) else str(source)
    if basis == "aggregated" and not is_missing(n_units):
        text = t("source_aggregated", lang, n=int(n_units)) + text
    elif basis == "predecessors" and isinstance(from_units, str) and from_units:
        text = t("source_predecessors", lang, units=from_units) + text
    return text + source_note(note, lang)


def source_note(note: Any, lang: str = DEFAULT_LANG) -> str:
    """How a term-to-date figure was judged against a yearly target (monitor.attainment's note, data):
    a count as its yearly average (' — so sánh bình quân năm: 1.200 từ đầu nhiệm kỳ ÷ 3 năm = 400'), a
    rate as the term's average; '' for any other figure."""
    kind = _field(note, "kind") if note is not None and not isinstance(note, float) else None
    if kind == "average":
        return t("source_note_average", lang, total=fmt_number(_field(note, "total"), lang, 0),
                 years=int(_field(note, "years")), average=fmt_number(_field(note, "average"), lang))
    if kind == "term_to_date":
        return t("source_note_term_to_date", lang)
    return ""


def assessed_source(r: Any, lang: str = DEFAULT_LANG) -> str:
    """The source of an assessment row's latest value (monitor.attainment.assess's columns: source,
    latest_basis, latest_n_units, latest_from_units, source_note) in the reader's language."""
    return source_text(_field(r, "source"), _field(r, "latest_basis") or "", _field(r, "latest_n_units"), lang,
                       from_units=_field(r, "latest_from_units") or "", note=_field(r, "source_note"))


def short_unit_name(name: str, lang: str = DEFAULT_LANG) -> str:
    """A unit's name where the reader knows it is a Party committee (a slide's list): without the word
    that opens every committee's name in `lang` (text key unit_committee_word: 'Đảng bộ huyện Tây Sơn' →
    'huyện Tây Sơn'; 'Tây Sơn District Party Committee' says it at the end and stays whole). The units table
    has no short name."""
    word = t("unit_committee_word", lang)
    return name[len(word):].strip() if word and name.startswith(word) and len(name) > len(word) else name.strip()


def short_name(name: str, width: int | None = None) -> str:
    """A long indicator name shortened for an axis: the 'Tỷ lệ …' / '…, %' wrapper dropped; cut to `width`
    only when a caller asks (names in charts, slides and tables wrap instead: issue 18)."""
    text = name.strip()
    for prefix in ("Tỷ lệ ", "Số "):
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix)].upper() + text[len(prefix) + 1:]
            break
    if text.endswith(", %"):
        text = text[:-3]
    text = text[0].upper() + text[1:] if text else text
    return text if width is None or len(text) <= width else text[: width - 1].rstrip(" ,") + "…"


def plotly_separators(lang: str = DEFAULT_LANG) -> str:
    """Plotly's layout.separators: decimal mark then thousands mark."""
    return ",." if lang_of(lang) == "vi" else ".,"


def measure_name(catalog: Catalog, code: str, lang: str) -> str:
    """A measure's or an indicator's name (a report may state only the rate); an unknown id as it is."""
    if code in catalog.measures:
        return catalog.measures[code].name(lang)
    if code in catalog.indicators:
        return catalog.indicators[code].name(lang)
    return code


def _field(f: Any, key: str) -> Any:
    """A finding's field from a mapping, a pandas row or a named tuple; None where it has none."""
    if hasattr(f, "get"):
        return f.get(key)
    return getattr(f, key, None)


def _listed(x: Any) -> list:
    """A list field (parts, part_values) as a list: None, NaN and pandas' NA are none."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return []
    try:
        return list(x)
    except TypeError:
        return []


def _balance_of(catalog: Catalog, whole: str, parts: Any) -> Balance | None:
    """The balance of indicators.yaml that `whole` and `parts` are of (None: none)."""
    return next((b for b in catalog.balances if b.whole == whole and set(parts) <= set(b.parts)), None)


def part_labels(catalog: Catalog, whole: str, parts: list[str], lang: str) -> list[str]:
    """The parts of a whole by what sets them apart ('cao cấp', 'trung cấp', 'sơ cấp'; 'senior',
    'intermediate', 'elementary'): their names without the words every part of their balance in
    indicators.yaml opens with ('Cấp ủy viên cơ sở có lý luận chính trị'), nor those they all close with
    when these are two or more ('political theory'; one word, as 'cấp', is part of the grade). A part of
    no balance there keeps its whole name."""
    balance = _balance_of(catalog, whole, parts)
    if balance is None or len(balance.parts) < 2:
        return [measure_name(catalog, p, lang) for p in parts]
    names = {p: measure_name(catalog, p, lang).split() for p in balance.parts}
    words = list(names.values())
    head = 0
    while all(len(w) > head + 1 for w in words) and len({w[head] for w in words}) == 1:
        head += 1
    tail = 0
    while all(len(w) > head + tail + 1 for w in words) and len({w[-1 - tail] for w in words}) == 1:
        tail += 1
    tail = tail if tail >= 2 else 0
    return [" ".join(names[p][head:len(names[p]) - tail]).strip(" :,") for p in parts]


def finding_detail(f: Any, lang: str = DEFAULT_LANG, catalog: Catalog | None = None) -> str:
    """A finding's detail in the reader's language and number style, from its fields (a findings row:
    mapping, pandas row or named tuple): the counts behind a stated rate ('1 / 4.313'), a bound against
    them, the parts of a balance by name in indicators.yaml's order, a part above its whole, a jump from
    the year before. A finding without its fields (a database loaded before they were kept) shows its
    stored detail."""
    rule, year = str(_field(f, "rule") or ""), _field(f, "year")
    stated, computed = _field(f, "stated"), _field(f, "computed")
    num, den = _field(f, "num"), _field(f, "den")
    lang = lang_of(lang)
    if rule in ("stated_rate", "stated_bound") and not (is_missing(num) or is_missing(den)):
        counts = f"{fmt_number(num, lang)} / {fmt_number(den, lang)}"
        if rule == "stated_rate":
            return counts
        catalog = catalog or default_catalog()
        ind = catalog.indicators.get(str(_field(f, "measure") or ""))
        stated_text = fmt_value(stated, ind.unit if ind is not None else "percent", lang,
                                str(_field(f, "qualifier") or ""))
        return t("finding_detail_stated_bound", lang, stated=stated_text, counts=counts)
    codes, values = _listed(_field(f, "parts")), _listed(_field(f, "part_values"))
    if rule == "balance" and codes and len(codes) == len(values):
        catalog = catalog or default_catalog()
        whole = str(_field(f, "measure") or "")
        labels = dict(zip(codes, part_labels(catalog, whole, [str(c) for c in codes], lang), strict=True))
        balance = _balance_of(catalog, whole, codes)
        order = [c for c in balance.parts if c in codes] if balance is not None else codes
        value = dict(zip(codes, values, strict=True))
        terms = " + ".join(f"{labels[c]} {fmt_number(value[c], lang)}" for c in order)
        return f"{terms} = {fmt_number(computed, lang)}"
    if not (is_missing(stated) or is_missing(computed) or is_missing(year)):
        now, before = float(stated), float(computed)
        if rule == "yoy_rate_jump":
            change = now - before
            return t("finding_detail_yoy_rate", lang, before_year=int(year) - 1, before=fmt_number(before, lang),
                     year=int(year), now=fmt_number(now, lang),
                     change=("+" if change > 0 else "−") + fmt_number(abs(change), lang))
        if rule == "yoy_count_jump" and now > 0 and before > 0:
            ratio = float(_round_half_up(max(now, before) / min(now, before), 1))  # as the check: 10,25 → 10,3
            return t("finding_detail_yoy_count", lang, before_year=int(year) - 1, before=fmt_number(before, lang),
                     year=int(year), now=fmt_number(now, lang),
                     change=("×" if now > before else "÷") + fmt_number(ratio, lang))
        if rule == "part_exceeds_whole":  # stated: the whole, computed: the part
            return f"{fmt_number(before, lang)} > {fmt_number(now, lang)}"
    detail = _field(f, "detail")
    return "" if detail is None or (isinstance(detail, float) and math.isnan(detail)) else str(detail)


def finding_figures(f: Any, lang: str = DEFAULT_LANG) -> list[tuple[str, Any, str]]:
    """A finding's two figures, each named for what it is, as (label, value, qualifier): the measure's own
    figure first, then what it is held against. A stated rate against its counts, a total against the sum
    of its parts, a part against its total, this year's figure against last year's (a jump: neither is
    "stated" nor "computed")."""
    rule, year = str(_field(f, "rule") or ""), _field(f, "year")
    stated, computed = _field(f, "stated"), _field(f, "computed")
    if rule in ("yoy_rate_jump", "yoy_count_jump") and not is_missing(year):  # stated: this year's
        return [(t("finding_figure_year", lang, year=int(year)), stated, ""),
                (t("finding_figure_year", lang, year=int(year) - 1), computed, "")]
    if rule == "part_exceeds_whole":  # the measure is the part (computed); stated is its whole
        return [(t("finding_figure_part", lang), computed, ""), (t("finding_figure_its_whole", lang), stated, "")]
    if rule == "balance":
        return [(t("finding_figure_whole", lang), stated, ""), (t("finding_figure_parts", lang), computed, "")]
    if rule in ("stated_rate", "stated_bound"):
        qualifier = str(_field(f, "qualifier") or "") if rule == "stated_bound" else ""
        return [(t("finding_figure_stated", lang), stated, qualifier), (t("finding_figure_counts", lang), computed, "")]
    return [(t("stated", lang), stated, ""), (t("computed", lang), computed, "")]


def finding_figure_text(label: str, value: Any, qualifier: str, lang: str = DEFAULT_LANG,
                        percent: bool = False) -> str:
    """'Năm 2022: 45,45%', 'Báo cáo ghi: trên 90%' — a finding's figure with its name, for a table cell and the
    command line; `percent`: the measure is a rate (core.catalog: its indicator's unit)."""
    if is_missing(value):
        return ""
    return f"{label}: {with_qualifier(fmt_number(value, lang) + ('%' if percent else ''), qualifier, lang)}"


def finding_rule_name(rule: str, lang: str) -> str:
    """A check by its name (core.checks' id when the strings file does not name it yet)."""
    try:
        return t(f"finding_{rule}", lang)
    except KeyError:  # a check newer than the strings file: its id is still a clear name
        return rule
