"""What a page looks at: the context app.py builds on every run (store, catalogue, language, term, year, scope,
filters, user), the indicators in view, and the caption that says which."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from core.catalog import Catalog, Term
from core.i18n import DEFAULT_LANG, t, unit_name
from monitor import auth, by_indicator, labels, unit_tree
from monitor.store import Store
from screens._escape import esc
from screens._widgets import LAST_KEY

T = TypeVar("T")
CTX_KEY = "_ctx"
GLOBAL_KEYS = ("lang", "term", "year", "unit", "kind", "org", "group")  # the sidebar's filters, kept in links


@dataclass
class Ctx:
    """Everything a page needs to lay itself out; built once per run by app.py."""

    store: Store | None
    catalog: Catalog
    db: Path
    lang: str = DEFAULT_LANG
    term: Term | None = None
    as_of: int | None = None
    kind: str = ""
    scope: str | None = None
    org_types: tuple[str, ...] = ()
    group: str = ""
    units: pd.DataFrame = field(default_factory=pd.DataFrame)
    rows: list[str] = field(default_factory=list)
    uploads: bool = False  # may the dashboard load at all (auth.uploads_enabled); roles decide the rest
    error: str = ""
    user: auth.User | None = None  # None: no login configured (the demo)

    def t(self, key: str, **fill: Any) -> str:
        return t(key, self.lang, **fill)

    @property
    def years(self) -> list[int]:
        return list(self.term.years) if self.term else []

    @property
    def who(self) -> str:
        """The name the load log and the audit record: the signed-in user, or the dashboard in the demo."""
        return self.user.username if self.user is not None else "dashboard"

    def unit_label(self, code: str | None) -> str:
        if code is None:
            return ""
        hit = self.units[self.units["unit_code"] == code]
        return unit_name(hit.iloc[0], self.lang) if len(hit) else code

    def scope_units(self) -> list[str]:
        if not self.scope or self.store is None:
            return []
        return self.subtree(self.scope)

    def subtree(self, code: str) -> list[str]:
        """The unit and everything below it in this term, parents first (kept per term: the sidebar's too)."""
        assert self.store is not None
        term = self.term.id if self.term else ""  # each term has its own units below a unit
        return self.store.memo(("subtree", term, code), lambda: unit_tree.subtree(self.units, code))

    def depths(self) -> dict[str, int]:
        """Each unit's depth in this term's tree (the sidebar's order, kept per term)."""
        assert self.store is not None
        term = self.term.id if self.term else ""
        return dict(self.store.memo(("tree_order", term), lambda: unit_tree.tree_order(self.units)))

    def values(self, org_types: Sequence[str] | None = None) -> pd.DataFrame:
        """Indicator values over the scope's subtree (the sidebar's organisation types unless given)."""
        assert self.store is not None and self.term is not None
        org = self.org_types if org_types is None else tuple(org_types)
        return self.store.values(self.scope_units(), org or None, self.term.id)

    def assessed(self) -> pd.DataFrame:
        assert self.store is not None and self.term is not None
        return self.store.assessed(self.scope_units(), self.org_types or None, self.term.id, self.as_of)

    def memo(self, name: str, *extra: Hashable, compute: Callable[[], T]) -> T:
        """compute() once per database version and view (filters, language, `extra`): a rerun that
        changes nothing rebuilds neither tables nor figures."""
        assert self.store is not None and self.term is not None
        key = (name, self.term.id, self.as_of, self.scope, self.kind, self.org_types, self.group, self.lang, *extra)
        return self.store.memo(key, compute)

    def names(self) -> dict[str, str]:
        assert self.store is not None
        term = self.term.id if self.term else ""  # each term has its own units
        return self.store.memo(("names", self.lang, term), lambda: labels.unit_names(self.units, self.lang))

    def url(self, **extra: str) -> dict[str, str]:
        """The current filters as query parameters, for a link that reproduces the view."""
        params = {k: v for k, v in (st.session_state.get(LAST_KEY) or {}).items() if k in GLOBAL_KEYS}
        params.update(extra)
        return params


def ctx() -> Ctx:
    if CTX_KEY not in st.session_state:  # a page file run without app.py around it
        st.info(t("app_caption"))
        st.page_link("app.py", label=t("app_title"))
        st.stop()
    return st.session_state[CTX_KEY]


def indicator_options(c: Ctx) -> list[str]:
    """The indicators with a target or a value for the units in view; with none, a sentence and the
    page stops there."""
    assessed, values = c.assessed(), c.values()
    options = c.memo("indicator_options", compute=lambda: by_indicator.indicator_options(assessed, values, c.catalog,
                                                                                    c.rows, c.group))
    if not options:
        st.info(c.t("no_data", what=f"{esc(c.unit_label(c.scope))}, {c.as_of}"))
        st.stop()
    return options


def scope_caption(c: Ctx) -> None:
    """Term, as-of year and the unit whose sub-units are shown, under a page's title."""
    st.caption(f"{c.term.name(c.lang)} · {c.t('as_of')}: **{c.as_of}** · "
               + c.t("overview_units", name=esc(c.unit_label(c.scope))))
