"""A problem of an upload or a load in the reader's words: what is wrong and what to do.

etl hands over data (etl.model.Problem: the rule and its facts); this says it in Vietnamese or English,
with the names the officer knows (the unit's and the measure's, the file as she uploaded it, the value
as she wrote it), never a rule id, a command or a path of the server. The sentences are the
`problem_*` keys of strings.yaml.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from core.catalog import Catalog, default_catalog
from core.i18n import fmt_number, lang_of, load_strings, t, with_qualifier

# the rules whose value is a figure, shown the reader's way (3.577; 99,74); any other value (a year, a
# code, text that is no number) is shown exactly as written
NUMERIC_RULES = frozenset({"negative", "rate_over_100", "conflict", "conflict_with_database", "part_exceeds_whole",
                           "not_whole", "too_large"})


def _key(p: Any) -> str:
    a = p.args or {}
    rule = p.rule
    if rule == "conflict" and a.get("of") == "unit":
        return "problem_conflict_unit"
    if rule == "not_numeric" and a and not a.get("spreadsheet"):
        return "problem_not_numeric_csv"
    if rule == "unreadable_file" and a.get("why"):
        return f"problem_unreadable_{a['why']}"
    if rule == "empty_file":
        return f"problem_empty_{a.get('why') or 'empty'}"
    if a.get("door"):  # a refusal at the door (etl.safety) says itself in both languages
        return "problem_said"
    return f"problem_{rule}"


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text and "e" not in text.lower() else 0


def number(value: Any, lang: str, qualifier: str = "") -> str:
    """A figure as the reader writes it (1.234,5 in Vietnamese), its bound kept ("trên 90");
    text that is no finite number as it was written."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        x = float(value)
        if not math.isfinite(x):
            return str(value)
        text = repr(x)
        decimals = 0 if x.is_integer() else min(_decimals(text), 4)
    else:
        text = str(value)
        try:
            x = float(text)
        except ValueError:
            return text
        if not math.isfinite(x) or not text.replace(".", "", 1).lstrip("+-").isdigit():
            return text  # '1e5', 'inf', '1_000': shown as written
        decimals = _decimals(text)
    return with_qualifier(fmt_number(x, lang, decimals), qualifier, lang)


def file_name(file: str, files: Mapping[str, str] | None = None) -> str:
    """The file as the reader knows it: the name she uploaded (`files` maps the server's copy to it),
    else the name alone, never the server's directory."""
    if files and file in files:
        return files[file]
    return Path(file).name if file else ""


def place(p: Any, lang: str = "vi", files: Mapping[str, str] | None = None) -> str:
    """'tệp «x.xlsx», trang tính «Tây Sơn», dòng 7, cột C' (the parts the problem has)."""
    parts = []
    if p.file:
        parts.append(t("problem_place_file", lang, file=file_name(p.file, files)))
    if p.sheet:
        parts.append(t("problem_place_sheet", lang, sheet=p.sheet))
    if p.row is not None:
        parts.append(t("problem_place_row", lang, row=p.row))
    if p.column:
        parts.append(t("problem_place_column", lang, column=p.column))
    return ", ".join(parts)


def place_of(file: str, sheet: str, row: Any, lang: str = "vi", files: Mapping[str, str] | None = None) -> str:
    """place() of a row of a file, given as its parts."""
    return place(_At(file, sheet, row), lang, files)


def _measure(catalog: Catalog, code: str, lang: str) -> str:
    from core.i18n import measure_name

    return measure_name(catalog, code, lang) if code and catalog.known_code(code) else (code or "—")


def _when(a: Mapping[str, Any], lang: str) -> str:
    year, period = a.get("year"), a.get("period") or "Y"
    if year in (None, ""):
        return "—"
    key = f"problem_when_{period}"
    return t(key, lang, year=year) if key in load_strings() else f"{period} {year}"


def _unit(code: Any, names: Mapping[str, str] | None) -> str:
    code = str(code or "")
    name = (names or {}).get(code)
    return f"{name} ({code})" if name and name != code else (code or "—")


def _other(o: Mapping[str, Any], lang: str, files: Mapping[str, str] | None) -> str:
    where = place(_At(o.get("file") or "", o.get("sheet") or "", o.get("row")), lang, files)
    return f"{number(o.get('value'), lang, o.get('qualifier') or '')} ({where})"


class _At:
    """A place in a file, for place()."""

    def __init__(self, file: str, sheet: str, row: Any, column: str = "") -> None:
        self.file, self.sheet, self.row, self.column = file, sheet, row, column


def _fill(p: Any, lang: str, names: Mapping[str, str] | None, files: Mapping[str, str] | None,
          catalog: Catalog) -> dict[str, str]:
    a = dict(p.args or {})
    fill: dict[str, str] = {k: str(v) for k, v in a.items() if not isinstance(v, list | dict)}
    value = a.get("value")
    fill["value"] = (number(value, lang, a.get("qualifier") or "") if p.rule in NUMERIC_RULES
                     else "" if value is None else str(value))
    fill["unit"] = _unit(a.get("unit"), names)
    fill["measure"] = _measure(catalog, str(a.get("measure") or ""), lang)
    fill["whole"] = _measure(catalog, str(a.get("whole") or ""), lang)
    fill["when"] = _when(a, lang)
    org = str(a.get("org_type") or "")
    fill["org"] = t("problem_org", lang, name=catalog.org_types[org].name(lang)) if org in catalog.org_types else (
        t("problem_org", lang, name=org) if org else "")
    col = str(a.get("col") or "")
    fill["what"] = t(f"problem_what_{col}", lang) if f"problem_what_{col}" in load_strings() else (p.column or col)
    if "db_value" in a:
        fill["db_value"] = number(a["db_value"], lang, a.get("db_qualifier") or "")
        fill["db_source"] = str(a.get("db_source") or "—")
    if "whole_value" in a:
        fill["whole_value"] = number(a["whole_value"], lang)
        fill["where"] = (place(_At(a["whole_file"], a.get("whole_sheet") or "", a.get("whole_row")), lang, files)
                         if a.get("whole_file") else t("problem_in_database", lang))
    if "others" in a:
        fill["others"] = "; ".join(_other(o, lang, files) for o in a.get("others") or [])
    if "other_file" in a:
        fill["other"] = place(_At(a["other_file"], "", a.get("other_row")), lang, files)
    if isinstance(a.get("expected"), list):
        kinds = {**catalog.unit_kinds, **catalog.org_types}
        fill["expected"] = ", ".join(f"{e} ({kinds[e].name(lang)})" if e in kinds else str(e)
                                     for e in a.get("expected") or [])
    if "header" in a:
        fill["header"] = ", ".join(str(h) for h in a.get("header") or [])
    for k in ("kind", "db_kind"):
        if a.get(k) in catalog.unit_kinds:
            fill[k] = catalog.unit_kinds[a[k]].name(lang)
    if "to" in a:
        fill["to"] = _unit(a.get("to"), names)
    if a.get("change") in ("merge", "split", "rename", "move"):
        fill["change"] = t(f"change_{a['change']}", lang)
    for k in ("first", "last"):  # a unit's years: an open end shown as a dash
        if k in a and a[k] in (None, ""):
            fill[k] = "…"
    for k in ("db_name", "db_kind", "db_parent", "first"):
        fill.setdefault(k, "")
    return fill


def describe(p: Any, lang: str = "vi", names: Mapping[str, str] | None = None,
             files: Mapping[str, str] | None = None, catalog: Catalog | None = None) -> str:
    """What is wrong and what to do, in `lang`. A finding (its fields in args['finding']) is said as the
    command line says it (finding_sentence); a problem with no sentence of its own is given as its message."""
    lang = lang_of(lang)
    if p.args and "finding" in p.args:
        return finding_sentence(p.args["finding"], lang, names, catalog)
    if p.message and not p.args:  # a finding's own words (core.checks), or a detail with no facts
        return p.message
    key = _key(p)
    if key not in load_strings():
        key = "problem_unreadable_file" if p.rule in ("unreadable_file", "refused_file") else "problem_unknown"
    text = t(key, lang, **_fill(p, lang, names, files, catalog or default_catalog())).rstrip()
    if not text.endswith((".", "?", "!")):  # a refusal at the door is a clause: a sentence ends
        text += "."
    return text[:1].upper() + text[1:]


PROBLEM_COLUMNS = ("file", "sheet", "row", "column", "message")


def problems_frame(problems: Iterable[Any], lang: str = "vi", names: Mapping[str, str] | None = None,
                   files: Mapping[str, str] | None = None, headers: bool = True) -> pd.DataFrame:
    """The problems as a table: where (file as uploaded, sheet, row, column) and what to do, with headers
    in `lang` (`headers=False`: the columns' ids, for code that goes on working with it)."""
    catalog = default_catalog()
    rows = [{"file": file_name(p.file, files), "sheet": p.sheet, "row": p.row, "column": p.column or "",
             "message": describe(p, lang, names, files, catalog)} for p in problems]
    frame = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    if headers:
        frame = frame.rename(columns={c: t(c, lang) for c in PROBLEM_COLUMNS})
    return frame


# the staged rows' columns (etl.model) → the strings.yaml key of their header
ROW_HEADERS = {"file": "file", "sheet": "sheet", "row": "row", "unit_code": "unit", "name_vi": "unit_name",
               "parent_code": "parent_unit", "kind": "kind", "year": "year", "period": "period",
               "org_type": "org_type", "measure": "measure", "value": "value", "qualifier": "qualifier",
               "source": "source", "problems": "status"}


def rows_frame(rows: pd.DataFrame, lang: str = "vi", names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The rows as read, in the officer's words: units, measures, periods and organisation types by name
    (a code nobody knows stays as written, for her to find), values the reader's way, headers in `lang`."""
    from core.i18n import measure_name
    from core.numbers import machine_to

    catalog = default_catalog()
    out = rows.copy()
    named = {"unit_code": lambda u: _unit(u, names) if u and names and u in names else u,
             "measure": lambda m: measure_name(catalog, m, lang) if m else m,
             "period": lambda p: catalog.periods[p].name(lang) if p in catalog.periods else p,
             "org_type": lambda o: catalog.org_types[o].name(lang) if o in catalog.org_types else o,
             "kind": lambda k: catalog.unit_kinds[k].name(lang) if k in catalog.unit_kinds else k,
             "value": lambda v: machine_to(v, lang) if isinstance(v, str) else v}
    for column, name in named.items():
        if column in out.columns:
            out[column] = [name(v) for v in out[column]]
    return out.rename(columns={c: t(k, lang) for c, k in ROW_HEADERS.items() if c in out.columns})


def refusal(exc: Any, name: str, lang: str = "vi") -> str:
    """Why an upload was refused before any reader opened it, in `lang`, with what to do (etl.safety says each
    refusal in both languages, etl.safety.UnsafeUpload.text)."""
    lang = lang_of(lang)
    reason = exc.text(lang) if hasattr(exc, "text") else f"{name}: {t('problem_refused_file', lang)}"
    return t("upload_refused", lang, reason=reason)


def finding_sentence(row: Mapping[str, Any], lang: str = "vi", names: Mapping[str, str] | None = None,
                     catalog: Catalog | None = None) -> str:
    """A finding (a row of the findings table) for the command line: the check by its name, the figure by
    the names of its unit and measure, what the report states and what its parts give, the source."""
    from core.i18n import finding_detail, finding_figure_text, finding_figures, finding_rule_name

    lang = lang_of(lang)
    catalog = catalog or default_catalog()
    org = str(row.get("org_type") or "")
    org_name = (t("problem_org", lang, name=catalog.org_types[org].name(lang)) if org in catalog.org_types
                else t("problem_org", lang, name=org) if org else "")
    measure = str(row.get("measure") or "")
    # 'báo cáo ghi: trên 90%, tính từ số lượng: 80%'; a jump's 'năm 2022: 41.000, năm 2021: 4.000'
    said = (finding_figure_text(label, value, qualifier, lang, catalog.is_rate(measure)) or f"{label}: —"
            for label, value, qualifier in finding_figures(row, lang))
    figures = ", ".join(text[:1].lower() + text[1:] for text in said)
    text = t("finding_line", lang, rule=finding_rule_name(str(row.get("rule", "")), lang),
             unit=_unit(row.get("unit_code"), names), when=_when(row, lang),
             measure=_measure(catalog, measure, lang), org=org_name,
             figures=figures).rstrip()
    detail = finding_detail(row, lang, catalog).strip()
    text += t("finding_line_detail", lang, detail=detail) if detail else ""  # never an empty "()"
    source = str(row.get("source") or "")
    return text + (t("finding_line_source", lang, source=source) if source else "")
