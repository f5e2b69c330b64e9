"""Files uploaded on the Data page: screened by content, checked by the ETL's own rules, shown row by
row — and loaded only on an explicit request, through etl.load.load. No Streamlit here.

Uploaded bytes are written to a private temporary directory under a sanitised name with the suffix
their content deserves (etl.safety.screen), so a reader never trusts a file name. The directory lives
only as long as the check (check_uploads) or the load (load_checked) that reads it: nothing is left
behind in /tmp, however often the page reruns.

The pages call this module, never etl: the failures a load raises (LoadRejected, LoadBusy, AuditFailed)
and the types they handle (Report, Key) are re-exported from here.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core import audit
from core.catalog import Catalog
from core.i18n import fmt_number, measure_name, t, with_qualifier
from core.problems import place, place_of, problems_frame, refusal
from etl.load import AuditFailed as AuditFailed
from etl.load import Key, Report, check, load
from etl.load import LoadBusy as LoadBusy
from etl.load import LoadRejected as LoadRejected
from etl.safety import UnsafeUpload, screen, screen_batch, work_slot
from etl.template import write_template
from monitor.auth import LoadGate


@dataclass
class Checked:
    """The outcome of checking a batch of uploads."""

    directory: Path  # where the check read them (removed once checked; load_checked writes them again)
    paths: list[Path] = field(default_factory=list)  # screened files, as the check saved them
    names: dict[str, str] = field(default_factory=dict)  # saved path → the name the person uploaded
    data: dict[str, bytes] = field(default_factory=dict, repr=False)  # saved path → the bytes
    refused: list[str] = field(default_factory=list)  # why files were refused, in the check's language
    report: Report | None = None
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)  # every row as read, with its problems
    problems: pd.DataFrame = field(default_factory=pd.DataFrame)  # every problem, with the uploaded name

    @property
    def ok(self) -> bool:
        return bool(self.paths) and not self.refused and self.report is not None and self.report.ok


def record_check(db: Path, user: str, files: Sequence[tuple[str, bytes]], checked: Checked, gate: LoadGate) -> bool:
    """The audit line of a checked batch (as uploaded): refused by screening, invalid by the rules, not
    the user's to load, or checked; load() adds its own line when the batch is then loaded."""
    if checked.refused:
        result, problems, first = "refused", len(checked.refused), checked.refused[0]
    elif checked.report is not None and not checked.report.ok:
        p = checked.report.problems[0]  # said as str(p) is, the file by the name it was uploaded under
        first = f"{place(p, 'vi', checked.names)}: {p.text()}"
        result, problems = "conflicts" if only_conflicts(checked) else "invalid", len(checked.report.problems)
    elif not gate.allowed:
        result, problems, first = "not_allowed", 0, " ".join([gate.reason, *gate.foreign])
    else:
        result, problems, first = "checked", 0, ""
    return audit.record_upload(db, user, files, result, problems, first)


def _safe_name(name: str, index: int, suffix: str) -> str:
    stem = re.sub(r"[^\w.-]+", "_", Path(name).stem, flags=re.UNICODE).strip("._") or "upload"
    return f"{index:02d}_{stem[:60]}{suffix}"


def check_uploads(files: Sequence[tuple[str, bytes]], db: Path | None, lang: str = "vi",
                  names: Mapping[str, str] | None = None) -> Checked:
    """Screen, save and check (name, bytes) pairs against the database at `db` (None = empty); the
    problems said in `lang`, units by their `names`, files by the names they were uploaded under."""
    with tempfile.TemporaryDirectory(prefix=audit.UPLOAD_DIR_PREFIX) as tmp:
        out = Checked(directory=Path(tmp))
        for i, (name, data) in enumerate(files):
            try:
                kind = screen(name, data)
            except UnsafeUpload as exc:
                out.refused.append(refusal(exc, name, lang))
                continue
            path = out.directory / _safe_name(name, i, kind.suffix)
            path.write_bytes(data)
            out.paths.append(path)
            out.names[str(path)] = name
            out.data[str(path)] = data
        if out.paths:
            out.report = check(out.paths, db=db if db is not None and db.exists() else None, rows=True)
    if not out.paths:
        return out
    out.problems = problems_frame(out.report.problems, lang, names, out.names, headers=False)
    out.rows = _rows_as_read(out)
    return out


def check_batch(files: Sequence[tuple[str, bytes]], db: Path | None, lang: str = "vi",
                names: Mapping[str, str] | None = None) -> Checked | list[str]:
    """What the Data page does with a batch of uploads: screened at the door as one batch (etl.safety.screen_batch:
    each file's content, the rows and cells of all together), then checked (check_uploads) in one of the
    server's two work slots. The refusals, as sentences in `lang`, when the batch was refused before any
    parser ran (over the limits, or the server busy with two others)."""
    refused = screen_batch(list(files), lang=lang)
    if refused:
        return refused
    try:
        with work_slot():
            return check_uploads(files, db, lang, names)
    except UnsafeUpload as exc:
        return [exc.text(lang)]


def load_checked(checked: Checked, db: Path, *, user: str, replace: bool | Collection[Key] = False,
                 reason: str = "") -> Report:
    """Load the files of a batch that passed the check (etl.load.load, all or nothing, its exceptions),
    from a temporary directory that is gone when this returns; the log names them as uploaded."""
    with tempfile.TemporaryDirectory(prefix=audit.UPLOAD_DIR_PREFIX) as tmp:
        paths, names = [], {}
        for old in checked.paths:
            path = Path(tmp) / old.name
            path.write_bytes(checked.data[str(old)])
            paths.append(path)
            names[str(path)] = checked.names[str(old)]
        return load(paths, db, user=user, replace=replace, reason=reason, names=names)


def _rows_as_read(out: Checked) -> pd.DataFrame:
    """The rows of every file as the readers staged them (the check's own), each with its problems."""
    assert out.report is not None and out.report.rows is not None
    frame = out.report.rows.copy()
    if frame.empty:
        return frame
    frame["file"] = frame["file"].map(lambda f: out.names.get(f, f))
    frame["sheet"] = frame["sheet"].fillna("")
    issues: dict[tuple[str, str, int], list[str]] = {}
    for p in out.problems.itertuples(index=False):
        if p.row is not None and not pd.isna(p.row):
            issues.setdefault((p.file, p.sheet or "", int(p.row)), []).append(
                f"{p.column + ': ' if p.column else ''}{p.message}")
    frame["problems"] = [
        "; ".join(issues.get((f, s or "", int(r)), [])) for f, s, r in zip(frame["file"], frame["sheet"],
                                                                            frame["row"], strict=True)]
    return frame.fillna("")


def only_conflicts(checked: Checked) -> bool:
    """The check failed only because figures differ from the database's: a load that says which side wins
    (replace) can go ahead."""
    report = checked.report
    return (report is not None and bool(report.problems) and not checked.refused
            and all(p.rule == "conflict_with_database" for p in report.problems)
            and report.conflicts is not None and not report.conflicts.empty)


def conflict_key(row: object) -> Key:
    return (str(row.unit_code), int(row.year), str(row.period), str(row.org_type), str(row.measure))


def upload_findings(checked: Checked) -> tuple[pd.DataFrame, int, int]:
    """The check's findings about the units and years uploaded, and how many of them come with this upload
    and how many the database already held."""
    report = checked.report
    if report is None or report.finding_rows is None or report.finding_rows.empty or checked.rows.empty:
        return pd.DataFrame(), 0, 0
    found = report.finding_rows
    new = report.finding_is_new if report.finding_is_new is not None else [True] * len(found)
    keys = {(str(u), str(y).strip()) for u, y in zip(checked.rows.get("unit_code", []), checked.rows.get("year", []),
                                                      strict=True) if str(y).strip()}
    mine = [(str(u), str(y)) in keys for u, y in zip(found["unit_code"], found["year"], strict=True)]
    about = found[mine].reset_index(drop=True)
    about["is_new"] = [bool(n) for n, m in zip(new, mine, strict=True) if m]
    fresh = int(about["is_new"].sum())
    return about, fresh, len(about) - fresh


def upload_findings_table(checked: Checked, about: pd.DataFrame, catalog: Catalog, names: dict[str, str],
                          lang: str) -> pd.DataFrame:
    """The findings of an upload (upload_findings) for her, those her file brings first: the figure, what the
    report states and what its parts give, where the stated figure is in her file; narrow enough for the page."""
    from core.i18n import finding_detail, finding_rule_name
    from monitor.submissions import figure_columns

    about = about.sort_values("is_new", ascending=False, kind="stable").reset_index(drop=True)

    def when(year: object, period: object) -> str:
        return str(year) if period == "Y" or period not in catalog.periods else \
            f"{year} ({catalog.periods[str(period)].name(lang)})"

    table = pd.DataFrame({
        t("finding_new", lang): ["✔" if n else "" for n in about["is_new"]],
        t("unit", lang): [names.get(u, u) for u in about["unit_code"]],
        t("year", lang): [when(y, p) for y, p in zip(about["year"], about["period"], strict=True)],
        t("measure", lang): [measure_name(catalog, m, lang) for m in about["measure"]],
        **figure_columns(about, lang, catalog),
        t("finding_in_file", lang): finding_places(checked, about, lang),
        t("rule", lang): [finding_rule_name(r, lang) for r in about["rule"]],
        t("detail", lang): [finding_detail(f, lang, catalog) for f in about.to_dict("records")],
    })
    # one unit (the usual upload): said above the table, its column left out so the rest fits the page
    return table.drop(columns=t("unit", lang)) if about["unit_code"].nunique() == 1 else table


def finding_places(checked: Checked, found: pd.DataFrame, lang: str) -> list[str]:
    """Where in the uploaded files each finding's stated figure is ('tệp «x.xlsx», trang tính «Tây Sơn», dòng
    7'), so that she finds the slip in her own file; '' for a figure the database already held."""
    rows = checked.rows
    if rows.empty or found.empty or "measure" not in rows.columns:
        return [""] * len(found)
    at: dict[tuple[str, str, str, str, str], tuple[str, str, object]] = {}
    for r in rows.itertuples(index=False):
        period = str(r.period or "Y").strip() or "Y"
        key = (str(r.unit_code), str(r.year).strip(), period, str(r.org_type or ""), str(r.measure))
        at.setdefault(key, (str(r.file), str(r.sheet or ""), r.row))

    one_file = len(set(rows["file"])) == 1  # then the file goes without saying

    def where(u: object, y: object, p: object, o: object, m: object) -> str:
        hit = at.get((str(u), str(y), str(p or "Y"), str(o or ""), str(m)))
        return place_of("" if one_file else hit[0], *hit[1:], lang) if hit else ""

    return [where(*k) for k in zip(found["unit_code"], found["year"], found["period"], found["org_type"],
                                   found["measure"], strict=True)]


def _value(x: object, qualifier: object, lang: str) -> str:
    return with_qualifier(fmt_number(x, lang), str(qualifier or ""), lang)


def conflict_table(conflicts: pd.DataFrame, catalog: Catalog, names: dict[str, str], uploaded: dict[str, str],
                   lang: str) -> pd.DataFrame:
    """The conflicts of a check (etl.load.CONFLICT_COLUMNS) for people: unit and measure by name, values the
    reader's way with their sources, the load that brought the database's figure."""
    def loaded(r: object) -> str:
        if pd.isna(r.old_load):
            return ""
        at = pd.Timestamp(r.old_loaded_at).strftime("%d/%m/%Y %H:%M") if not pd.isna(r.old_loaded_at) else ""
        who = f", {r.old_user}" if r.old_user else ""
        return t("conflict_load_of", lang, n=int(r.old_load), at=at, who=who,
                 file=audit.display_name(str(r.old_file)))

    rows = list(conflicts.itertuples(index=False))
    return pd.DataFrame({
        t("unit", lang): [names.get(r.unit_code, r.unit_code) for r in rows],
        t("year", lang): [str(r.year) for r in rows],
        t("measure", lang): [figure_name(catalog, r.measure, r.org_type, r.period, lang) for r in rows],
        t("conflict_old", lang): [_value(r.old_value, r.old_qualifier, lang) for r in rows],
        t("conflict_new", lang): [_value(r.new_value, r.new_qualifier, lang) for r in rows],
        # the database's figure: its source, then the load that brought it (one column: the table fits 1280 px)
        t("conflict_old_source", lang): [" — ".join(x for x in (str(r.old_source or ""), loaded(r)) if x)
                                         for r in rows],
        t("conflict_new_source", lang): [r.new_source or uploaded.get(str(r.file), audit.display_name(str(r.file)))
                                         for r in rows],
    })


def figure_name(catalog: Catalog, measure: str, org_type: str, period: str, lang: str) -> str:
    """A measure by its name, with its organisation type and its period (other than the whole year) by name."""
    name = measure_name(catalog, measure, lang)
    if org_type:
        org = catalog.org_types[org_type].name(lang) if org_type in catalog.org_types else org_type
        name += f" ({org})"
    if period and period != "Y":
        name += f" [{catalog.periods[period].name(lang) if period in catalog.periods else period}]"
    return name


def corrections_table(rows: Sequence[dict], catalog: Catalog, names: dict[str, str], lang: str) -> pd.DataFrame:
    """The figures loads replaced (core.audit.replacement_rows) for people, newest first: the figure named
    in one column (measure, unit, year), so that when, who, old, new and why fit the page's width."""
    at = pd.to_datetime(pd.Series([r.get("at", "") for r in rows], dtype=object), errors="coerce", utc=True)
    return pd.DataFrame({
        t("audit_at", lang): at.dt.strftime("%d/%m/%Y %H:%M").fillna("").to_numpy(),
        t("correction_user", lang): [r.get("user", "") for r in rows],
        t("correction_figure", lang): [
            t("correction_figure_of", lang, measure=measure_name(catalog, str(r.get("measure", "")), lang),
              unit=names.get(str(r.get("unit_code")), str(r.get("unit_code", ""))), year=r.get("year", ""))
            for r in rows],
        t("conflict_old", lang): [_value(r.get("old_value"), r.get("old_qualifier"), lang) for r in rows],
        t("conflict_new", lang): [_value(r.get("new_value"), r.get("new_qualifier"), lang) for r in rows],
        t("correction_reason", lang): [r.get("reason", "") for r in rows],
        t("conflict_old_source", lang): [str(r.get("old_source") or r.get("old_file") or "") for r in rows],
        t("conflict_new_source", lang): [str(r.get("new_source") or r.get("file") or "") for r in rows],
    })


def template_bytes(catalog: Catalog, units: Sequence[tuple[str, str]], db: Path | None = None) -> bytes:
    """The data-entry workbook for these (code, Vietnamese name) units, as bytes for a download; with the
    database `db`, each unit's sheet holds its kind's measures and the figures already loaded."""
    from etl.template import from_database

    facts = None
    chosen: list = list(units)
    if db is not None and db.exists() and chosen:
        chosen, facts = from_database(db, [code for code, _ in units])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mau.xlsx"
        write_template(path, catalog, units=chosen or None, facts=facts)
        return path.read_bytes()
