"""How figures and statuses are drawn on a page: a chart whose PNG is named for what it shows, the status
legend, the headline counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from core.i18n import STATUS_CODES, status_help, status_label
from monitor import overview
from monitor.charts import plotly_config
from monitor.status_html import status_chips
from screens._context import Ctx


def chart(fig: go.Figure, filename: str, *, key: str | None = None, select: bool = False, alt: str | None = None
          ) -> Any:
    """A Plotly chart whose toolbar PNG is named for unit, indicator and year."""
    return st.plotly_chart(fig, config=plotly_config(filename), theme=None, key=key, width="stretch",
                           on_select="rerun" if select else "ignore", selection_mode="points", alt=alt)


def status_legend(c: Ctx, codes: Sequence[str] = STATUS_CODES, *, disputed: bool = False, below: bool = False) -> None:
    st.markdown(f"<div style='line-height:2'>{status_chips(codes, c.lang, disputed=disputed, below=below)}</div>",
                unsafe_allow_html=True)


def headline(c: Ctx, counts: dict[str, int], codes: Sequence[str]) -> None:
    """One box a status; more than four go on two rows, so that at 1280 px no status's name is cut."""
    total = sum(counts.values())
    cols = [col for n in overview.headline_rows(len(codes)) for col in st.columns(max(n, 1))]
    for col, code in zip(cols, codes, strict=False):
        col.metric(status_label(code, c.lang), f"{counts.get(code, 0)}",
                   help=f"{c.t('headline_of', total=total)}. {status_help(code, c.lang)}", border=True)
