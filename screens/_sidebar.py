"""The sidebar: the language, then the filters (term, as-of year, unit, kind of unit, organisation types,
indicator group), each kept across pages and in the URL; what they choose is the page context."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core.catalog import Catalog
from core.i18n import DEFAULT_LANG, LANGS, t
from monitor import labels, unit_tree
from monitor.store import Store
from screens._context import Ctx
from screens._widgets import url_select


def language() -> str:
    return url_select("lang", LANGS, DEFAULT_LANG, label=f"{t('language', 'vi')} / {t('language', 'en')}",
                      where=st.sidebar, widget="radio", format_func=lambda code: t(f"lang_{code}", code))


def sidebar(store: Store | None, catalog: Catalog, db: Path, lang: str, error: str = "") -> Ctx:
    """Render the filters and return the page context. Invalid URL values are reported on the page."""
    notices: list[str] = []
    c = Ctx(store=store, catalog=catalog, db=db, lang=lang, error=error)
    sb = st.sidebar
    sb.subheader(t("filters", lang))
    terms = list(catalog.terms)
    years_with_data = store.years() if store is not None else []
    # the term of the latest figures; 2025, shared by two terms, is the earlier one's last year (issue 19)
    latest = catalog.term_of(max(years_with_data)) if years_with_data else None
    default_term = latest.id if latest is not None else terms[-1]
    term_id = url_select("term", terms, default_term, label=t("term", lang), where=sb, notices=notices, lang=lang,
                         format_func=lambda tid: catalog.terms[tid].name(lang))
    c.term = catalog.terms[term_id]
    years = [str(y) for y in c.term.years]
    in_term = [y for y in years_with_data if y in c.term.years]
    default_year = str(max(in_term)) if in_term else str(c.term.midterm)
    c.as_of = int(url_select("year", years, default_year, label=t("as_of", lang), where=sb, notices=notices,
                             lang=lang))
    units = store.units_of_term(c.term) if store is not None else pd.DataFrame(
        columns=["unit_code", "name_vi", "name_en", "parent_code", "kind"])
    c.units = units
    if not units.empty:
        order = store.memo(("tree_order", term_id), lambda: unit_tree.tree_order(units))
        codes = [code for code, _ in order]
        depth = dict(order)
        names = store.memo(("names", lang, term_id), lambda: labels.unit_names(units, lang))
        start = unit_tree.default_scope(units, store.busiest_parent() if store is not None else None)
        scope = url_select("unit", codes, start, label=t("unit_scope", lang),
                           where=sb, notices=notices, lang=lang,
                           format_func=lambda code: "· " * depth.get(code, 0) + names.get(code, code))
        c.scope = scope
        below = set(store.memo(("subtree", term_id, scope), lambda: unit_tree.subtree(units, scope))) - {scope}
        kinds_below = [k for k in catalog.unit_kinds if k in set(units.loc[units["unit_code"].isin(below), "kind"])]
        c.kind = url_select("kind", ["", *kinds_below], "", label=t("unit_kind", lang), where=sb, notices=notices,
                            lang=lang, format_func=lambda k: catalog.unit_kinds[k].name(lang) if k
                            else t("all", lang))
        c.rows = store.memo(("rows", term_id, scope, c.kind), lambda: unit_tree.row_units(units, scope, c.kind))
    org = url_select("org", list(catalog.org_types), [], label=t("org_type", lang), where=sb, widget="multiselect",
                     notices=notices, lang=lang, help=t("org_type_help", lang),
                     format_func=lambda o: catalog.org_types[o].name(lang))
    c.org_types = tuple(org)
    c.group = url_select("group", ["", *catalog.groups], "", label=t("group", lang), where=sb, notices=notices,
                         lang=lang, format_func=lambda g: catalog.groups[g].name(lang) if g else t("all", lang))
    sb.caption(t("link_hint", lang))
    for n in notices:
        st.warning(n, icon="⚠️")
    return c
