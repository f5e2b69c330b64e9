"""The database's kept versions for the Data page: which are kept and by what rule, the table a person
reads them in, and the restore of one (etl.load.rollback, all or nothing). No Streamlit here.

The pages call this module, never etl: the failures a restore raises (VersionNotFound, LoadBusy,
AuditFailed) are re-exported from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from core import audit
from core.i18n import fmt_number, t
from etl.load import AuditFailed as AuditFailed
from etl.load import LoadBusy as LoadBusy
from etl.load import rollback
from etl.versions import Version
from etl.versions import VersionNotFound as VersionNotFound
from etl.versions import list_versions as list_versions  # the versions kept beside a database, oldest first
from etl.versions import retention as retention  # how many are kept, and the disk they may take

HOW = ("load", "rollback")  # what replaced a version, each with its words (version_how_*)


def restore(db: Path, number: int, *, user: str) -> Version:
    """Put version `number` back as the database; the version the replaced database was kept as. Raises
    VersionNotFound (no longer kept), LoadBusy (a load holds the database), AuditFailed (nothing changed)."""
    return rollback(db, number, user=user)


def _last_load(v: Version) -> str:
    last = v.last_load
    if not last:
        return ""
    at = pd.to_datetime(last.get("at"), errors="coerce")
    when = "" if pd.isna(at) else at.strftime("%d/%m/%Y %H:%M")
    who = f", {last['user']}" if last.get("user") else ""
    return f"#{last.get('id', '')} ({when}{who}): " + ", ".join(audit.display_name(str(f))
                                                               for f in last.get("files") or [])


def versions_table(versions: Sequence[Version], lang: str) -> pd.DataFrame:
    """The kept versions for people: number, when it was replaced, by whom and how, what it held, its last load."""
    saved = pd.to_datetime(pd.Series([v.saved_at for v in versions], dtype=object), errors="coerce", utc=True)
    return pd.DataFrame({
        t("version_no", lang): [str(v.number) for v in versions],
        t("version_saved", lang): saved.dt.strftime("%d/%m/%Y %H:%M:%S").fillna("").to_numpy(),
        t("version_by", lang): [v.replaced_by for v in versions],
        t("version_how", lang): [t(f"version_how_{v.replaced_how}", lang) if v.replaced_how in HOW
                                 else v.replaced_how for v in versions],
        t("version_facts", lang): [fmt_number(v.facts, lang) for v in versions],
        t("version_units", lang): [fmt_number(v.units, lang) for v in versions],
        t("version_last_load", lang): [_last_load(v) for v in versions],
    })
