"""Files uploaded on the Data page: screened by content, checked by the ETL's own rules, shown row by
row — and loaded only on an explicit request, through etl.load.load. No Streamlit here.

Uploaded bytes are written to a private temporary directory under a sanitised name with the suffix
their content deserves (etl.safety.screen), so a reader never trusts a file name.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl.load import Report, check
from etl.safety import UnsafeUpload, screen
from etl.template import write_template
from monitor import audit
from monitor.auth import LoadGate
from monitor.catalog import Catalog
from monitor.problems import place, problems_frame


@dataclass
class Checked:
    """The outcome of checking a batch of uploads."""

    directory: Path
    paths: list[Path] = field(default_factory=list)  # screened files, ready for load()
    names: dict[str, str] = field(default_factory=dict)  # saved path → the name the person uploaded
    refused: list[str] = field(default_factory=list)  # screening messages
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
        result, problems = "invalid", len(checked.report.problems)
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
    out = Checked(directory=Path(tempfile.mkdtemp(prefix="monitor-upload-")))
    for i, (name, data) in enumerate(files):
        try:
            kind = screen(name, data)
        except UnsafeUpload as exc:
            out.refused.append(str(exc))
            continue
        path = out.directory / _safe_name(name, i, kind.suffix)
        path.write_bytes(data)
        out.paths.append(path)
        out.names[str(path)] = name
    if not out.paths:
        return out
    out.report = check(out.paths, db=db if db is not None and db.exists() else None, rows=True)
    out.problems = problems_frame(out.report.problems, lang, names, out.names, headers=False)
    out.rows = _rows_as_read(out)
    return out


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
