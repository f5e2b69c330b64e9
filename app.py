"""The dashboard: `streamlit run app.py` (make run). Reads MONITOR_DB, never writes it.

This file is the frame around every page: page set-up, the store, the sidebar filters (in the URL
too), the navigation. The pages in pages/ only lay out what monitor.views and monitor.charts give them.
"""

from __future__ import annotations

import streamlit as st

from monitor import auth
from monitor.catalog import default_catalog
from monitor.i18n import t
from monitor.store import Store, db_path, file_identity
from pages import _ui


@st.cache_resource(max_entries=4, show_spinner=False)
def _open_store(path: str, identity: tuple[int, int, int, int]) -> Store:
    """One Store per version of the file: the identity is part of the cache key, so a file the ETL
    renamed over the old one opens afresh while sessions still rendering keep the old, consistent one."""
    return Store(path)


def _store(lang: str) -> tuple[Store | None, str]:
    path = db_path()
    identity = file_identity(path)
    if identity is None:
        return None, ""
    try:
        return _open_store(str(path), identity), ""
    except Exception as exc:  # a damaged or foreign file: say so, no traceback
        return None, t("db_error", lang, path=str(path), error=str(exc).splitlines()[0][:300])


lang = _ui.language()
st.set_page_config(page_title=t("app_title", lang), page_icon=":material/flag:", layout="wide",
                   initial_sidebar_state="expanded")
# URL paths differ from the file names on purpose: until the first session has called st.navigation,
# Streamlit treats pages/ as an old-style pages directory and would run pages/<name>.py by itself,
# without this frame, for a URL ending in /<name>.
PAGES = [
    st.Page("pages/overview.py", title=t("page_overview", lang), icon=":material/grid_view:", url_path="tong-quan",
            default=True),
    st.Page("pages/indicator.py", title=t("page_indicator", lang), icon=":material/bar_chart:",
            url_path="chi-tieu"),
    st.Page("pages/unit.py", title=t("page_unit", lang), icon=":material/account_balance:", url_path="don-vi"),
    st.Page("pages/compare.py", title=t("page_compare", lang), icon=":material/compare_arrows:",
            url_path="so-sanh"),
    st.Page("pages/data.py", title=t("page_data", lang), icon=":material/database:", url_path="du-lieu"),
    st.Page("pages/extract.py", title=t("page_extract", lang), icon=":material/document_scanner:",
            url_path="doc-bao-cao"),
]
page = st.navigation(PAGES)
store, error = _store(lang)
catalog = default_catalog()
try:
    context = _ui.sidebar(store, catalog, db_path(), lang, error)
except Exception as exc:  # the filters failed on this database: a sentence, and pages show their empty state
    _ui.log.exception("sidebar failed")
    context = _ui.Ctx(store=None, catalog=catalog, db=db_path(), lang=lang,
                      error=t("page_error", lang, error=f"{type(exc).__name__}: {str(exc)[:200]}"))
st.session_state[_ui.CTX_KEY] = context

try:
    mode = auth.mode()
except auth.AuthConfigError as exc:
    st.sidebar.error(str(exc))
else:
    if mode == "off":
        st.sidebar.caption(":material/lock_open: " + t("demo_mode", lang))
    else:
        st.sidebar.caption(t("auth_mode", lang, mode=mode))

page.run()
