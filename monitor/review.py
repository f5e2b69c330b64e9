"""A report read for review on the 'Đọc báo cáo' page: the upload screened by content and read by
etl.extract, its proposed rows as a table a person ticks and edits, and the accepted rows back in
the contract's long form, as a CSV the Data page's own check and load take. No Streamlit here.

The page only lays these out; every decision (which file is a report, what a row becomes, which of
the report's slips belongs to which row) is made here, so it is tested without a browser.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from core.catalog import Catalog
from core.checks import FINDING_COLUMNS
from core.numbers import NumberFormatError, machine_to, machine_to_vi, to_machine
from etl.extract import UNPLACED_COLUMNS, ExtractResult, Slip, extract, reason_text
from etl.extract_text import TEXT_SUFFIXES
from etl.extract_text import DocumentError as DocumentError  # raised by read_report: the page says so
from etl.extract_text import place_in as place_in  # 'table 1, row 3' in the reader's language: the page says places so
from etl.load import Report
from etl.model import MEASURE_COLUMNS
from etl.safety import UnsafeUpload as UnsafeUpload  # raised by read_report: the page says so
from etl.safety import screen, work_slot

# what etl.safety.screen may find in a report upload: .txt/.md are 'text'
REPORT_KINDS = ("text", "docx", "pdf")
REPORT_TYPES = ("txt", "md", "docx", "pdf")  # for the uploader's filter; the content decides
REVIEW_COLUMNS = ("accept", "measure", "org_type", "year", "period", "value", "qualifier", "note", "slip", "place",
                  "sentence", "source", "derived", "other_year")
# columns the page keeps out of sight: the row's source, and the marks the note column says in words
HIDDEN_COLUMNS = ("source", "derived", "other_year")
# a value as the officer edits it: the Vietnamese way (3.577; 96,5), or a plain machine number (96.5)
VALUE_PATTERN = r"^((\d{1,3}(\.\d{3})+|\d+)(,\d+)?|\d+\.\d+)$"
# on an English page the English way (3,577; 96.5): a comma only ever separates thousands
VALUE_PATTERN_EN = r"^(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$"


def value_pattern(lang: str) -> str:
    """What a value cell accepts on a page in `lang`."""
    return VALUE_PATTERN if lang == "vi" else VALUE_PATTERN_EN


@dataclass
class Proposal:
    """One report as read: its name (as the sources quote it), the rows proposed and what is left."""

    docname: str
    result: ExtractResult
    year: int | None = None  # the year chosen on the form: the default; a row of another year is pointed out

    @property
    def slips(self) -> list[Slip]:
        """The report's slips: stated percentages its own counts do not give (etl.extract.Slip)."""
        return self.result.slips


def report_name(name: str, kind: str, suffix: str) -> str:
    """The uploaded name made safe for a temporary file, with the suffix its content deserves.

    Vietnamese letters and spaces stay, since the name is quoted in every row's source.
    """
    base = Path(name.replace("\\", "/")).name
    stem = re.sub(r"[^\w .()-]+", "_", Path(base).stem, flags=re.UNICODE).strip(" ._")[:80] or "bao-cao"
    own = Path(base).suffix.lower()
    if kind == "text" and own in TEXT_SUFFIXES:
        return stem + own  # .md keeps its name: the reader treats .txt and .md alike
    return stem + suffix


def read_report(name: str, data: bytes, unit: str, year: int, catalog: Catalog) -> Proposal:
    """Screen an uploaded report and read its figures for `unit` and `year`, in one of the server's two work
    slots (at most two uploads parsed at once, whoever sends them).

    Raises UnsafeUpload for a refused file (or the server busy with two others), DocumentError for one that
    cannot be read (both re-exported here).
    """
    with work_slot(name):
        screened = screen(name, data, allow=REPORT_KINDS)
        docname = report_name(name, screened.kind, screened.suffix)
        with tempfile.TemporaryDirectory(prefix="monitor-report-") as tmp:
            path = Path(tmp) / docname
            path.write_bytes(data)
            result = extract(path, unit, year, catalog)
    return Proposal(docname, result, year)


def stated_in(stated: str, lang: str) -> str:
    """A slip's percentage as the report wrote it ('1,89%'), the reader's way ('1.89%' in English), beside
    the rate computed, which is written so too; text that is no number as it is."""
    try:
        return machine_to(to_machine(stated, "vi"), lang) + ("%" if stated.strip().endswith("%") else "")
    except NumberFormatError:
        return stated


def review_frame(proposal: Proposal, catalog: Catalog | None = None, lang: str = "vi") -> pd.DataFrame:
    """One row per proposed figure, ticked, values the reader's way (Vietnamese: 1.234,5; English:
    1,234.5): what the review table shows and the person edits. Then the totals the report implies
    (derived_rows), marked `derived`; a row whose year the text gives and differs from the form's is marked
    `other_year`."""
    slip_at = {(s.place, s.measure): s.computed for s in proposal.slips}
    records = []
    result = proposal.result
    for i, row in enumerate(result.rows):
        place, sentence = result.origins[i].place, result.origins[i].sentence
        slip = slip_at.get((place, row["measure"]))
        records.append({
            "accept": True, "measure": row["measure"], "org_type": row["org_type"], "year": int(row["year"]),
            "period": row["period"] or "Y", "value": machine_to(row["value"], lang), "qualifier": row["qualifier"],
            "note": "", "slip": "" if slip is None else machine_to(f"{slip:.2f}", lang), "place": place,
            "sentence": sentence, "source": result.source(i, "vi"), "derived": "",
            "other_year": proposal.year is not None and int(row["year"]) != proposal.year})
    if catalog is not None:
        for d in derived_rows(proposal.result.rows, catalog):
            records.append({
                "accept": True, "measure": d["measure"], "org_type": d["org_type"], "year": int(d["year"]),
                "period": d["period"] or "Y", "value": machine_to(d["value"], lang), "qualifier": "", "note": "",
                "slip": "", "place": "", "sentence": d["arithmetic"], "source": "", "derived": d["parts"],
                "other_year": proposal.year is not None and int(d["year"]) != proposal.year})
    frame = pd.DataFrame.from_records(records, columns=list(REVIEW_COLUMNS))
    return frame.astype({"accept": bool, "year": "int64", "other_year": bool})


# -- totals the report implies ------------------------------------------------------------------------------

def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _short(catalog: Catalog, code: str) -> str:
    """A part in the arithmetic as the reports write it: HTXSNV, HTTNV trở lên; else the measure's name."""
    for level in catalog.rating_scale.values():
        if code.endswith(f"_{level.id}"):
            return level.abbr
        if code.endswith(f"_{level.id}_or_better"):
            return f"{level.abbr} trở lên"
    return catalog.measures[code].name_vi if code in catalog.measures else code


def derived_rows(rows: Sequence[dict[str, str]], catalog: Catalog) -> list[dict[str, str]]:
    """The totals that exact figures of one group (organisation type, year, period) imply and the report
    does not state: the rating scale's sums (good or better = excellent + good, completed or better =
    good or better + completed), and the rated total when every rating level is stated (rated =
    excellent + good + completed + failed); never one above a whole the report states. Each with
    `parts` ('+'-joined ids, so the sum can be redone after an edit) and its `arithmetic` in words."""
    groups: dict[tuple[str, str, str], dict[str, float]] = {}
    for r in rows:
        if r.get("qualifier") or r["measure"] not in catalog.measures:
            continue  # a bound or a rate sums to nothing exact
        try:
            value = float(r["value"])
        except ValueError:
            continue
        groups.setdefault((r["org_type"], str(r["year"]), r["period"] or "Y"), {}).setdefault(r["measure"], value)
    # the rating scale's sums: a rated entity's levels add up to its totals (other sums of the catalogue
    # are left to the reader: a report's qualification counts often overlap)
    entities = tuple(f"{e}_" for e in catalog.rated_entities)
    sums = [(m.id, tuple(m.derived_sum)) for m in catalog.measures.values()
            if m.derived_sum and m.id.startswith(entities)]
    sums += [(f"{e}_rated", tuple(f"{e}_{level}" for level in catalog.rating_scale)) for e in catalog.rated_entities]
    sums = [(whole, parts) for whole, parts in sums if whole in catalog.measures
            and all(p in catalog.measures for p in parts)]
    out = []
    for (org_type, year, period), have in groups.items():
        grew = True
        while grew:  # completed or better needs good or better, itself derived
            grew = False
            for whole, parts in sums:
                if whole in have or not all(p in have for p in parts):
                    continue
                total = sum(have[p] for p in parts)
                above = catalog.measures[whole].whole
                if above in have and total > have[above]:
                    continue  # the report's parts exceed its own whole: its slip, not a total to propose
                have[whole] = total
                grew = True
                out.append({"measure": whole, "org_type": org_type, "year": year, "period": period,
                            "value": _number(have[whole]), "parts": "+".join(parts),
                            "arithmetic": arithmetic(catalog, whole, parts, [have[p] for p in parts])})
    return out


def arithmetic(catalog: Catalog, whole: str, parts: Sequence[str], values: Sequence[float]) -> str:
    """'Số tổ chức cơ sở đảng được xếp loại = HTXSNV + HTTNV + HTNV + KHTNV = 12 + 28 + 5 + 0 = 45'."""
    total = machine_to_vi(_number(sum(values)))
    return (f"{catalog.measures[whole].name_vi} = {' + '.join(_short(catalog, p) for p in parts)} = "
            f"{' + '.join(machine_to_vi(_number(v)) for v in values)} = {total}")


def unplaced_frame(proposal: Proposal, lang: str = "vi", catalog: Catalog | None = None) -> pd.DataFrame:
    """The numbers left unplaced, each reason (a code of the extractor's) in the reader's language."""
    frame = pd.DataFrame.from_records(proposal.result.unplaced, columns=list(UNPLACED_COLUMNS))
    frame["reason"] = [reason_text(code, lang, catalog) for code in frame["reason"]]
    return frame


def _text(value: Any) -> str:
    """A cell as text; a cleared cell (None, NaN) is empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _machine(value: Any, lang: str = "vi") -> str:
    """A value cell as the officer left it, read the page's way (Vietnamese 3.577; 96,5; 96.5 — English
    3,577; 96.5) → machine text; text that is no number as it is, for the check to name."""
    text = _text(value)
    try:
        return to_machine(text, lang) if text else ""
    except NumberFormatError:
        return text


def contract_rows(frame: pd.DataFrame, unit: str, catalog: Catalog | None = None,
                  docname: str = "", lang: str = "vi") -> list[dict[str, str]]:
    """The ticked rows in the contract's long form, for `unit`; the source is the report's sentence, its
    place in the reports' language (review_frame wrote it so); values read the `lang` way, as the page showed
    them. A derived total is summed again from the ticked rows as edited (left out when a part is no longer
    there), its arithmetic as its source."""
    out = []
    given: dict[tuple[str, str, str, str], str] = {}
    derived = []
    for rec in frame.to_dict("records"):
        if not bool(rec.get("accept")):
            continue
        row = {"unit_code": unit, "year": _text(rec["year"]), "period": _text(rec["period"]),
               "org_type": _text(rec["org_type"]), "measure": _text(rec["measure"]),
               "value": _machine(rec["value"], lang), "qualifier": _text(rec["qualifier"]),
               "source": _text(rec["source"])}
        if _text(rec.get("derived")):
            derived.append((row, _text(rec["derived"]).split("+")))
            continue
        out.append(row)
        if not row["qualifier"]:
            given[(row["org_type"], row["year"], row["period"] or "Y", row["measure"])] = row["value"]
    for row, parts in derived:  # in order: a total derived from a derived total comes after it
        key = (row["org_type"], row["year"], row["period"] or "Y")
        try:
            values = [float(given[(*key, p)]) for p in parts]
        except (KeyError, ValueError):
            continue
        row["value"] = _number(sum(values))
        if catalog is not None and row["measure"] in catalog.measures:
            row["source"] = f"{docname}, {DERIVED_WORD}: {arithmetic(catalog, row['measure'], parts, values)}"
        given[(*key, row["measure"])] = row["value"]
        out.append(row)
    return out


DERIVED_WORD = "tính từ các số liệu trên"  # a derived row's source says so, in the reports' language


def contract_csv(rows: Sequence[dict[str, str]]) -> bytes:
    """Rows as a UTF-8 CSV in the contract's columns, the file the check and the load read."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(MEASURE_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def csv_name(docname: str) -> str:
    """The CSV's name in the load log: the report's, so the log says which report was read."""
    return f"{Path(docname).stem}.trich-xuat.csv"


def findings_for(report: Report, unit: str) -> pd.DataFrame:
    """The cross-check findings about `unit`: a check runs over the whole database merged with the
    new rows, and other units' old slips are not this report's business."""
    rows = report.finding_rows
    if rows is None:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    return rows[rows["unit_code"] == unit].reset_index(drop=True)


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def measure_options(catalog: Catalog) -> list[str]:
    """Every id a row may carry: the measures, then the indicators (a rate the report states)."""
    return [*catalog.measures, *catalog.indicators]
