"""Plotly figures as pure functions of DataFrames: the dashboard shows them, the exports save them.

No Streamlit and no database here. Every number a reader sees is formatted by core.i18n (hover
text included), so Vietnamese reads 96,6% and 1.234; the axes follow layout.separators. Status is
never carried by colour alone: each status has its symbol, printed in the cell or bar label and used
as the marker shape, and the legend names it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.catalog import BOUNDS
from core.i18n import (
    DISPUTED_MARK,
    NO_TARGET,
    STATUS_CODES,
    fmt_target,
    fmt_value,
    is_missing,
    plotly_separators,
    status_label,
    status_style,
    t,
)

FONT = "Arial, 'Segoe UI', 'Helvetica Neue', 'DejaVu Sans', sans-serif"
TITLE_SIZE = 16  # px: a chart's title (an exported file wraps it to its width)
NOTE_SIZE, NOTE_LINE = 12, 18  # px: the note under a chart, and the height each of its lines adds
# Lines for units in trend charts: Okabe–Ito hues, each with its own marker shape so that two lines
# never differ by colour only. Unit lines are solid: a dashed line always means a projection.
LINE_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
LINE_MARKERS = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon")
TARGET_COLOR = "#333333"
BAND_COLOR = "rgba(0, 114, 178, 0.12)"


# -- file names and chart config --------------------------------------------------------------------

def slug(text: str) -> str:
    """ASCII file-name part: 'Tây Sơn' → 'Tay-Son' (đ → d, which NFKD leaves alone)."""
    text = str(text).replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


def download_name(unit: str | None, indicator: str | None, year: int | str | None) -> str:
    """The PNG name from a chart's toolbar: unit, indicator and year, e.g. BD-TAYSON_admission_rate_2022."""
    return "_".join(slug(p) for p in (unit or "all", indicator or "all", str(year or "")) if p)


def plotly_config(filename: str, scale: int = 2) -> dict:
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": scale},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def _base(fig: go.Figure, lang: str, title: str = "", height: int | None = None,
          legend_below: bool = False) -> go.Figure:
    fig.update_layout(
        separators=plotly_separators(lang),
        font={"family": FONT, "size": 13, "color": "#222222"},
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": TITLE_SIZE}} if title else None,
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 10, "r": 20, "t": 60 if title else 20, "b": 40},
        hoverlabel={"font": {"family": FONT}},
        legend=({"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0, "xanchor": "left"} if legend_below
                else {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"}),
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    if height:
        fig.update_layout(height=height)
    return fig


def _axis_format(unit: str) -> dict:
    # Plotly picks the tick step and decimals (a fixed ",.0f" prints 99% five times on a 98–100 axis);
    # separators come from layout.separators, no "k" abbreviations.
    axis = {"exponentformat": "none", "separatethousands": True}
    return {**axis, "ticksuffix": "%"} if unit == "percent" else axis


def _symbol(status: str) -> str:
    return status_style(status)["symbol"]


def _color(status: str) -> str:
    return status_style(status)["color"]


# A figure its own source contradicts: a yellow hexagram over its bar or point (the colour of "figures
# to verify"), named in the legend, and what the source says against itself in a note under the chart.
DISPUTED_MARKER = {"symbol": "hexagram", "size": 15, "color": "#F0E442", "line": {"color": "#000000", "width": 1.2}}
# A marked bar's value label beside its star: Plotly sets a point's text off by its marker's radius / 0.8 + 1 px,
# so an unseen marker of this size puts the label 13,5 px from the bar's end, clear of the star's 8 px.
LABEL_BESIDE_STAR = 20


def _mark_disputed(fig: go.Figure, x: Sequence, y: Sequence, hover: Sequence[str], lang: str,
                   name: str = "dispute_marker") -> None:
    if len(x):
        fig.add_trace(go.Scatter(x=list(x), y=list(y), mode="markers", name=t(name, lang),
                                 marker=DISPUTED_MARKER, hovertext=list(hover), hoverinfo="text", cliponaxis=False))


# A year before the unit existed, computed from the units it was formed from (issue 19): a grey ring
# around its point, named in the legend.
PREDECESSOR_MARKER = {"symbol": "circle-open", "size": 17, "color": "#555555", "line": {"width": 1.6}}


def _mark_predecessors(fig: go.Figure, series: pd.DataFrame, lang: str) -> None:
    b = series[series["basis"] == "predecessors"] if "basis" in series else series.iloc[:0]
    if len(b):
        fig.add_trace(go.Scatter(x=list(b["year"]), y=list(b["value"]), mode="markers",
                                 name=t("predecessor_marker", lang), marker=PREDECESSOR_MARKER, hoverinfo="text",
                                 hovertext=[f"<b>{n}</b> {y}: {t('predecessor_marker', lang)}"
                                            for n, y in zip(b["unit_name"], b["year"], strict=True)]))


def add_note(fig: go.Figure, lines: Sequence[str], width: int = 110) -> go.Figure:
    """Lines of text under the chart, as the value axis's title: Plotly makes room for it under the
    tick labels on screen and in an exported file alike, where an annotation would sit on the legend."""
    if not lines:
        return fig
    text = "<br>".join(_wrap(line, width, 3) for line in lines)
    fig.update_xaxes(title={"text": text, "font": {"size": NOTE_SIZE, "color": "#333333"}, "standoff": 14})
    # the lines whole: an exported file wraps them again to its own width (monitor.export.charts)
    fig.update_layout(meta={"note": list(lines)})
    legend = fig.layout.legend
    if legend.yref != "container" and legend.y is not None and legend.y < 0:  # it would sit on the note
        fig.update_layout(legend={"y": 1.02, "yanchor": "bottom"}, margin={"t": (fig.layout.margin.t or 20) + 30})
    fig.update_layout(height=(fig.layout.height or 450) + NOTE_LINE * (text.count("<br>") + 1))
    return fig


def empty_figure(message: str, lang: str = "vi", height: int = 200) -> go.Figure:
    """A figure that says why it is empty instead of showing a bare axis."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 15, "color": "#555555"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _base(fig, lang, height=height)


# -- sorted bars with the target -------------------------------------------------------------------

def bars(frame: pd.DataFrame, *, unit: str, lang: str = "vi", title: str = "",
         higher_is_better: bool = True) -> go.Figure:
    """Units as horizontal bars sorted by value, coloured and labelled by status, with the target as a
    line (a band for a range) when every unit shares it, else as a tick on each bar.

    frame: unit_code, unit_name, value, qualifier, status, target, target_high, comparator (disputed, summed
    and note optional: the mark of a contradicted figure, or of a total that includes one, and what it is).
    A bar for a bound ('trên 90%') is hatched: its true length is unknown.
    """
    if frame.empty:
        return empty_figure(t("no_indicator_data", lang), lang)
    f = frame.copy()
    f["_missing"] = f["value"].isna()
    f = f.sort_values(["_missing", "value"], ascending=[True, not higher_is_better], kind="stable")
    order = list(f["unit_code"])
    names = dict(zip(f["unit_code"], f["unit_name"], strict=True))
    fig = go.Figure()
    disputed = f[f["disputed"].fillna(False).astype(bool) & ~f["_missing"]] if "disputed" in f else f.iloc[:0]
    marked = set(disputed["unit_code"])
    for status in [*STATUS_CODES, NO_TARGET]:
        part = f[(f["status"] == status) & ~f["_missing"]]
        if part.empty:
            continue
        # a marked bar's value is written beside its star (below), not under it
        labels = ["" if c in marked else _bar_label(v, q, status, unit, lang) for c, v, q in
                  zip(part["unit_code"], part["value"], part["qualifier"], strict=True)]
        hover = [_bar_hover(r, unit, lang) for r in part.itertuples(index=False)]
        fig.add_trace(go.Bar(
            x=part["value"], y=part["unit_code"], orientation="h", name=status_label(status, lang),
            marker={"color": _color(status), "line": {"color": "#333333", "width": 0.5},
                    "pattern": {"shape": ["/" if q in BOUNDS else "" for q in part["qualifier"]],
                                "fgcolor": "#333333", "size": 6}},
            text=labels, textposition="outside", cliponaxis=False, hovertext=hover, hoverinfo="text",
            customdata=part["unit_code"],
        ))
    missing = f[f["_missing"]]
    if not missing.empty:
        fig.add_trace(go.Scatter(
            x=[0] * len(missing), y=missing["unit_code"], mode="text", name=status_label("no_data", lang),
            text=[f"  {status_label('no_data', lang)}" for _ in range(len(missing))], textposition="middle right",
            hoverinfo="skip", showlegend=False,
        ))
    _add_targets(fig, f, unit, lang)
    # a total that includes a contradicted figure of a unit below (`summed`): the same mark under its own name
    summed = disputed["summed"].fillna(False).astype(bool) if "summed" in disputed else pd.Series(False, disputed.index)
    for part, name in ((disputed[~summed], "dispute_marker"), (disputed[summed], "dispute_marker_below")):
        _mark_disputed(fig, part["value"], part["unit_code"],
                       [f"<b>{n}</b><br>{_wrap(str(x))}" for n, x in zip(part["unit_name"],
                                                                         part.get("note", [""] * len(part)),
                                                                         strict=True)], lang, name=name)
    if len(disputed):
        # The star sits on the bar's end, where an outside label starts (it hid the 9 of '90,0%'): the value is
        # written beside an unseen marker wider than the star instead.
        fig.add_trace(go.Scatter(
            x=disputed["value"], y=disputed["unit_code"], mode="markers+text", name="", showlegend=False,
            text=[_bar_label(v, q, s, unit, lang) for v, q, s in zip(disputed["value"], disputed["qualifier"],
                                                                    disputed["status"], strict=True)],
            textposition="middle right", marker={"size": LABEL_BESIDE_STAR, "opacity": 0}, hoverinfo="skip",
            cliponaxis=False))
    top = np.nanmax(np.r_[f["value"].to_numpy(dtype=float), f["target"].to_numpy(dtype=float),
                          f["target_high"].to_numpy(dtype=float), 0.0])
    fig.update_xaxes(range=[0, bar_axis_max(top, unit) * 1.18], gridcolor="#E5E5E5", zeroline=True,
                     zerolinecolor="#999999", **_axis_format(unit))
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], tickmode="array", tickvals=order,
                     ticktext=[names[c] for c in order], automargin=True)
    fig.update_layout(barmode="overlay", bargap=0.25)
    fig = _base(fig, lang, title, height=max(300, 28 * len(order) + 190))
    # The legend (statuses and the target, often two rows) under the axis, at the foot of the figure:
    # on top it ran into the title.
    fig.update_layout(legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0,
                              "xanchor": "left"}, margin={"b": 90})
    if "note" in disputed and len(disputed):
        add_note(fig, [f"{DISPUTED_MARK} {n}: {x}" for n, x in zip(disputed["unit_name"], disputed["note"],
                                                                   strict=True) if x])
    return fig


def _bar_label(value: float, qualifier: str, status: str, unit: str, lang: str) -> str:
    return f"{fmt_value(value, unit, lang, qualifier)} {_symbol(status)}"


def bar_axis_max(top: float, unit: str) -> float:
    """Where a bar axis ends (before the room for labels): from 0 to the data and the target. Rates
    from half way up keep the whole 0–100% scale, where the gap to 100% means something; small rates
    (admissions, 4%) get an axis of their own size, else their bars are slivers."""
    if unit == "percent" and 50 <= top <= 100:
        return 100.0
    return top * 1.1 if top > 0 else 1.0


def _bar_hover(r: object, unit: str, lang: str) -> str:
    target = (fmt_target(r.comparator, r.target, r.target_high, unit, lang) if r.comparator
              else t("no_target", lang))
    lines = [f"<b>{r.unit_name}</b>", f"{t('value', lang)}: {fmt_value(r.value, unit, lang, r.qualifier)}",
             f"{t('target', lang)}: {target}", f"{t('status', lang)}: {status_label(r.status, lang)}"]
    if getattr(r, "source", ""):
        lines.append(f"{t('source', lang)}: {_wrap(str(r.source))}")
    return "<br>".join(lines)


ROTATED_LINE = 30  # characters a line of a column label turned on its side (heat-map of many columns)


def _wrap(text: str, width: int = 70, max_lines: int | None = 4) -> str:
    """Lines of at most `width` characters joined by <br>; beyond `max_lines` the last is cut (notes only:
    a name is wrapped whole, max_lines=None)."""
    words, lines, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width and line:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    if max_lines is not None and len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1] + "…"]
    return "<br>".join(lines)


def _add_targets(fig: go.Figure, f: pd.DataFrame, unit: str, lang: str) -> None:
    targeted = f[f["target"].notna()]
    if targeted.empty:
        return
    pairs = {(float(a), None if is_missing(b) else float(b)) for a, b in
             zip(targeted["target"], targeted["target_high"], strict=True)}
    if len(pairs) == 1:
        low, high = next(iter(pairs))
        comparator = str(targeted["comparator"].iloc[0])
        label = f"{t('target_line', lang)}: {fmt_target(comparator, low, high, unit, lang)}"
        if high is not None:
            fig.add_vrect(x0=low, x1=high, fillcolor=BAND_COLOR, line_width=0, layer="below")
            fig.add_vline(x=low, line={"color": TARGET_COLOR, "dash": "dash", "width": 1.5}, layer="below")
            fig.add_vline(x=high, line={"color": TARGET_COLOR, "dash": "dash", "width": 1.5}, layer="below")
        else:
            # below the bars: over them it ran through the value labels ('3,7|0%')
            fig.add_vline(x=low, line={"color": TARGET_COLOR, "dash": "dash", "width": 2}, layer="below")
        # named in the legend beside the statuses: a label over the plot ran into the legend's entries
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=label, hoverinfo="skip",
                                 line={"color": TARGET_COLOR, "dash": "dash", "width": 2}))
        return
    # Targets differ between units (a district's and a bloc's): a tick on each bar.
    for col, name in (("target", t("target_line", lang)), ("target_high", None)):
        part = targeted[targeted[col].notna()]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part[col], y=part["unit_code"], mode="markers", name=name or t("target_line", lang),
            showlegend=name is not None,
            marker={"symbol": "line-ns-open", "size": 22, "color": TARGET_COLOR,
                    "line": {"width": 3, "color": TARGET_COLOR}},
            hovertext=[f"{t('target', lang)}: {fmt_target(c, a, b, unit, lang)}" for c, a, b in
                       zip(part["comparator"], part["target"], part["target_high"], strict=True)],
            hoverinfo="text",
        ))


# -- trend over the term ---------------------------------------------------------------------------

def trend(series: pd.DataFrame, *, unit: str, years: Sequence[int], lang: str = "vi", title: str = "",
          targets: pd.DataFrame | None = None, projections: pd.DataFrame | None = None,
          notes: Sequence[str] = ()) -> go.Figure:
    """Lines over the term's years, one per unit, with the target (stepped where it was revised; a band
    for a range) and a dashed projection from the latest value to the deadline.

    series: unit_code, unit_name, year, value, qualifier.
    targets: unit_code, year, target, target_high (may be empty or None).
    projections: unit_code, from_year, from_value, to_year, to_value.
    A row with `disputed` gets the marker of a contradicted figure, one with `summed` (a total including a
    contradicted figure of a unit below) the same marker under its own name; `notes` say what and whose.
    """
    if series.empty:
        return empty_figure(t("no_indicator_data", lang), lang)
    fig = go.Figure()
    codes = list(dict.fromkeys(series["unit_code"]))
    style = {c: i % len(LINE_COLORS) for i, c in enumerate(codes)}
    for code in codes:
        s = series[series["unit_code"] == code].sort_values("year")
        i = style[code]
        name = str(s["unit_name"].iloc[0])
        fig.add_trace(go.Scatter(
            x=s["year"], y=s["value"], mode="lines+markers", name=name, legendgroup=code,
            line={"color": LINE_COLORS[i], "width": 2.5},
            marker={"symbol": LINE_MARKERS[i], "size": 9},
            hovertext=[f"<b>{name}</b><br>{y}: {fmt_value(v, unit, lang, q)}" for y, v, q in
                       zip(s["year"], s["value"], s["qualifier"], strict=True)],
            hoverinfo="text",
        ))
        if projections is not None and not projections.empty:
            for p in projections[projections["unit_code"] == code].itertuples(index=False):
                if is_missing(p.to_value) or is_missing(p.from_value):
                    continue
                fig.add_trace(go.Scatter(
                    x=[p.from_year, p.to_year], y=[p.from_value, p.to_value], mode="lines+markers",
                    name=f"{t('projection', lang)}: {name}", legendgroup=code, showlegend=False,
                    line={"color": LINE_COLORS[i], "dash": "dash", "width": 1.5},
                    marker={"symbol": ["circle-open", LINE_MARKERS[i] + "-open"], "size": [1, 10]},
                    hovertext=["", f"<b>{name}</b><br>{t('projection', lang)} {p.to_year}: "
                                   f"{fmt_value(p.to_value, unit, lang)}"],
                    hoverinfo="text",
                ))
    if "disputed" in series:  # contradicted figures, over their points
        d = series[series["disputed"].fillna(False).astype(bool)]
        _mark_disputed(fig, d["year"], d["value"], [f"<b>{n}</b> {y}" for n, y in zip(d["unit_name"], d["year"],
                                                                                        strict=True)], lang)
        if "summed" in series:  # a total including a contradicted figure of a unit below, itself not contradicted
            s = series[series["summed"].fillna(False).astype(bool) & ~series["disputed"].fillna(False).astype(bool)]
            _mark_disputed(fig, s["year"], s["value"], [f"<b>{n}</b> {y}" for n, y in zip(
                s["unit_name"], s["year"], strict=True)], lang, name="dispute_marker_below")
    _mark_predecessors(fig, series, lang)
    if projections is not None and not projections.empty:  # one legend entry says what dashes mean
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=t("projection", lang),
                                 line={"color": "#555555", "dash": "dash", "width": 1.5}))
    _add_trend_targets(fig, targets, unit, lang, years)
    fig.update_xaxes(range=[min(years) - 0.3, max(years) + 0.3], tickmode="array", tickvals=list(years),
                     ticktext=[str(y) for y in years], gridcolor="#EEEEEE")
    yaxis = {"gridcolor": "#E5E5E5", "zeroline": False, **_axis_format(unit)}
    if unit == "percent":
        ys = pd.concat([series["value"], *([targets["target"], targets["target_high"]]
                                            if targets is not None and not targets.empty else []),
                        *([projections["to_value"]] if projections is not None and not projections.empty
                          else [])]).dropna()
        top = float(ys.max()) if not ys.empty else 100.0
        if top < 50:  # small rates (admissions, 4%) on an axis of their size, from 0
            yaxis["range"] = [0.0, top * 1.25 or 1.0]
        else:  # rates near the top: from a little under the lowest to 100%
            low = max(0.0, float(ys.min()) - 5)
            yaxis["range"] = [low, 100.5 if top <= 100 else None]
    fig.update_yaxes(**yaxis)
    fig = _base(fig, lang, title, height=460, legend_below=True)
    if notes:
        add_note(fig, [f"{DISPUTED_MARK} {x}" for x in notes])
    return fig


def _add_trend_targets(fig: go.Figure, targets: pd.DataFrame | None, unit: str, lang: str,
                       years: Sequence[int]) -> None:
    if targets is None or targets.empty:
        return
    tg = targets.dropna(subset=["target"])
    per_unit = tg.groupby("unit_code")[["target", "target_high"]].apply(
        lambda g: tuple(map(tuple, g.fillna(-1).to_numpy())))
    if per_unit.nunique() == 1:
        tg = tg[tg["unit_code"] == tg["unit_code"].iloc[0]]  # everyone shares it: draw it once
        shared = True
    else:
        shared = False
    for code, g in tg.groupby("unit_code", sort=False):
        g = g.sort_values("year")
        x = list(g["year"])
        if g["target_high"].notna().any():
            fig.add_trace(go.Scatter(x=x + x[::-1], y=list(g["target_high"]) + list(g["target"])[::-1],
                                     fill="toself", fillcolor=BAND_COLOR, line={"width": 0}, hoverinfo="skip",
                                     name=t("chart_target_band", lang), showlegend=bool(shared or code)))
        fig.add_trace(go.Scatter(
            # solid and grey: the dashed lines of this chart are projections
            x=x, y=g["target"], mode="lines", line={"color": "rgba(51, 51, 51, 0.55)", "width": 3, "shape": "hv"},
            name=t("target_line", lang), legendgroup="target", showlegend=code == tg["unit_code"].iloc[0],
            hovertext=[f"{t('target', lang)} {y}: {fmt_value(v, unit, lang)}" for y, v in
                       zip(g["year"], g["target"], strict=True)],
            hoverinfo="text",
        ))


# -- sparkline -------------------------------------------------------------------------------------

def sparkline(values: Sequence[float | None], years: Sequence[int], *, color: str = "#0072B2",
              target: float | None = None, lang: str = "vi") -> go.Figure:
    """A small line without axes (exports; the dashboard's table draws its own)."""
    fig = go.Figure(go.Scatter(x=list(years), y=list(values), mode="lines+markers",
                               line={"color": color, "width": 2}, marker={"size": 4}, hoverinfo="skip",
                               connectgaps=False))
    if target is not None:
        fig.add_hline(y=target, line={"color": TARGET_COLOR, "dash": "dot", "width": 1})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(showlegend=False, width=160, height=48, margin={"l": 2, "r": 2, "t": 2, "b": 2},
                      separators=plotly_separators(lang), paper_bgcolor="white", plot_bgcolor="white")
    return fig


# -- the status heat-map ---------------------------------------------------------------------------

def heatmap(grid: pd.DataFrame, *, rows: Sequence[str], row_names: dict[str, str], lang: str = "vi",
            title: str = "") -> go.Figure:
    """Units × target indicators; each cell coloured by status and printed with value + symbol.

    grid: unit_code, indicator, column (short label), column_full, status, cell, hover, order.
    A transparent marker sits on every cell so that a click selects (unit, indicator).
    """
    if grid.empty:
        return empty_figure(t("no_targets", lang), lang)
    cols = (grid.drop_duplicates("indicator").sort_values("order")[["indicator", "column", "column_full"]])
    col_ids = list(cols["indicator"])
    row_ids = [r for r in rows if r in set(grid["unit_code"])]
    codes = list(STATUS_CODES)
    index = {s: i for i, s in enumerate(codes)}
    z = np.full((len(row_ids), len(col_ids)), np.nan)
    text = np.full(z.shape, "", dtype=object)
    hover = np.full(z.shape, "", dtype=object)
    r_at = {c: i for i, c in enumerate(row_ids)}
    c_at = {c: j for j, c in enumerate(col_ids)}
    # Few columns: labels wrapped and level, value and symbol on one line. Many: labels vertical (a slanted
    # one would run off the right edge) and the symbol under the value (a cell is about 25 px on a laptop:
    # "94,9 ✔" on one line ran into its neighbours).
    few = len(col_ids) <= 9
    for g in grid.itertuples(index=False):
        if g.unit_code not in r_at:
            continue
        i, j = r_at[g.unit_code], c_at[g.indicator]
        z[i, j] = index.get(g.status, index["no_data"])
        text[i, j] = g.cell if few else "<br>".join(g.cell.rsplit(" ", 1))
        hover[i, j] = g.hover
    n = len(codes)
    scale = []
    for k, s in enumerate(codes):
        scale += [[k / n, _color(s)], [(k + 1) / n, _color(s)]]
    fig = go.Figure(go.Heatmap(
        z=z, x=col_ids, y=row_ids, zmin=0, zmax=n, colorscale=scale, showscale=False,
        text=text, texttemplate="%{text}",
        textfont={"size": 12 if len(col_ids) <= 9 else 11 if len(col_ids) <= 14 else 10, "color": "#000000"},
        hoverinfo="skip", xgap=2, ygap=2, hoverongaps=False,
    ))
    # Clickable layer: Heatmap traces do not report point selections, scatter markers do.
    # It also carries the hover text: a skipped trace would not report clicks either.
    xs, ys, custom, tips = [], [], [], []
    for g in grid.itertuples(index=False):
        if g.unit_code in r_at:
            xs.append(g.indicator)
            ys.append(g.unit_code)
            custom.append([g.unit_code, g.indicator])
            tips.append(g.hover)
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", customdata=custom, showlegend=False,
                             marker={"size": 30, "symbol": "square", "opacity": 0.01, "color": "#000000"},
                             hovertext=tips, hoverinfo="text", name=""))
    for s in codes:  # legend: colour + symbol + words
        if (grid["status"] == s).any():
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=status_label(s, lang),
                                     marker={"symbol": "square", "size": 14, "color": _color(s),
                                             "line": {"color": "#666666", "width": 1}}))
    if "disputed" in grid:
        # the mark beside a value its report contradicts, every reading giving the same verdict; beside a total
        # that includes such a figure of a unit below (`summed`), the same mark under its own name
        stands = grid["disputed"].astype(bool) & (grid["status"] != "to_verify")
        summed = grid["summed"].fillna(False).astype(bool) if "summed" in grid else pd.Series(False, grid.index)
        for rows, key in ((stands & ~summed, "disputed_mark_legend"), (stands & summed, "dispute_below_legend")):
            if rows.any():
                fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=t(key, lang, mark=DISPUTED_MARK),
                                         marker={"symbol": "square", "size": 14, "color": "#FFFFFF",
                                                 "line": {"color": "#666666", "width": 1}}))
    # Wrapped labels narrower than a column on a 1280 px laptop (about 75 px for 8 or 9 columns: 11 characters
    # of 10 px type), so that neighbours never touch; the full name is in each cell's hover.
    chars, size = (18, 12) if len(col_ids) <= 5 else (13, 11) if len(col_ids) <= 7 else (11, 10)
    # upright and wrapped for a few columns; turned on their side beyond, still wrapped, never cut
    ticktext = [_wrap(c, chars, None) if few else _wrap(c, ROTATED_LINE, None) for c in cols["column"]]
    fig.update_xaxes(side="top", tickmode="array", tickvals=col_ids, ticktext=ticktext,
                     tickfont={"size": size},
                     tickangle=0 if few else -90, automargin=True, showgrid=False, categoryorder="array",
                     categoryarray=col_ids)
    fig.update_yaxes(tickmode="array", tickvals=row_ids,
                     ticktext=[_wrap(row_names.get(r, r), 38 if few else 30, None) for r in row_ids],
                     autorange="reversed", automargin=True, showgrid=False, categoryorder="array",
                     categoryarray=row_ids)
    longest = max((len(line) for lbl in ticktext for line in lbl.split("<br>")), default=10)
    header = 17 * max(lbl.count("<br>") + 1 for lbl in ticktext) + 30 if few else int(6.8 * longest) + 30
    fig = _base(fig, lang, title, height=36 * len(row_ids) + header + 110)
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.02, "x": 0, "xanchor": "left"},
                      # a title sits above the column labels, which keep the room `header` reckons for them
                      margin={"t": header - 25 if title else 40, "b": 60}, clickmode="event+select")
    # No zoom on a scorecard, but keep the drag layer: with dragmode=False Plotly reports no clicks.
    fig.update_xaxes(fixedrange=True)
    fig.update_yaxes(fixedrange=True)
    return fig


# -- two indicators --------------------------------------------------------------------------------

def scatter(frame: pd.DataFrame, *, x_name: str, y_name: str, x_unit: str, y_unit: str, lang: str = "vi",
            title: str = "", kind_names: dict[str, str] | None = None) -> go.Figure:
    """One point per unit (marker shape and colour by unit kind), every point labelled: by its unit's
    name up to 8 units, beyond that by its number in the frame's order (1, 2, …), which
    `comparison.scatter_listing` lists with the names and both values, so nothing needs hovering.

    frame: unit_code, unit_name, kind, x, y, x_qualifier, y_qualifier.
    """
    if len(frame) < 2:
        return empty_figure(t("scatter_few", lang), lang)
    fig = go.Figure()
    kind_names = kind_names or {}
    frame = frame.reset_index(drop=True)
    numbers = {code: str(i + 1) for i, code in enumerate(frame["unit_code"])}
    for i, (kind, part) in enumerate(frame.groupby("kind", sort=True)):
        fig.add_trace(go.Scatter(
            x=part["x"], y=part["y"], mode="markers+text", cliponaxis=False,
            name=kind_names.get(kind, kind),
            text=[_wrap(n, 26, 9) if len(frame) <= 8 else numbers[c]
                  for n, c in zip(part["unit_name"], part["unit_code"], strict=True)],
            textposition="top center", textfont={"size": 11},
            marker={"size": 12, "symbol": LINE_MARKERS[i % len(LINE_MARKERS)],
                    "color": LINE_COLORS[i % len(LINE_COLORS)], "line": {"color": "#333333", "width": 0.5}},
            hovertext=[f"<b>{n}</b><br>{x_name}: {fmt_value(a, x_unit, lang, qa)}<br>"
                       f"{y_name}: {fmt_value(b, y_unit, lang, qb)}" for n, a, b, qa, qb in
                       zip(part["unit_name"], part["x"], part["y"], part["x_qualifier"], part["y_qualifier"],
                           strict=True)],
            hoverinfo="text", customdata=part["unit_code"],
        ))
    disputed = frame[frame["disputed"].astype(bool)] if "disputed" in frame else frame.iloc[:0]
    summed = disputed["summed"].fillna(False).astype(bool) if "summed" in disputed else pd.Series(False, disputed.index)
    for part, key in ((disputed[~summed], "dispute_marker"), (disputed[summed], "dispute_marker_below")):
        _mark_disputed(fig, part["x"], part["y"], [f"<b>{n}</b>" for n in part["unit_name"]], lang, name=key)
    fig.update_xaxes(title={"text": x_name}, gridcolor="#E5E5E5", **_axis_format(x_unit))
    fig.update_yaxes(title={"text": y_name}, gridcolor="#E5E5E5", **_axis_format(y_unit))
    fig = _base(fig, lang, title, height=520, legend_below=True)
    fig.update_layout(legend={"y": -0.2})  # below the axis title
    notes = [f"{DISPUTED_MARK} {n}: {x}" for n, x in zip(disputed["unit_name"], disputed.get("note", ()), strict=False)
             if x]
    if notes:  # under the axis's own name
        add_note(fig, [x_name, *notes])
        fig.update_layout(legend={"y": -0.2 - 0.04 * len(notes)})
    return fig


# -- small multiples (Compare) -------------------------------------------------------------------------

def small_multiples(series: pd.DataFrame, *, unit: str, years: Sequence[int], names: dict[str, str],
                    lang: str = "vi", title: str = "", targets: pd.DataFrame | None = None,
                    notes: Sequence[str] = ()) -> go.Figure:
    """One small panel per unit (in the order of `names`), side by side on one shared axis: its values over
    the years, every point labelled with its value, and its own target as a grey step line, so that two
    to five units can be read against their targets without hovering.

    series: unit_code, year, value, qualifier (disputed, summed optional: marked ⚑); targets: unit_code, year,
    target. `notes` (by_indicator.trend_marks's) say under all the panels, once, which point ⚑ marks and why."""
    from plotly.subplots import make_subplots

    codes = list(names)
    if series.empty or not codes:
        return empty_figure(t("no_indicator_data", lang), lang)
    fig = make_subplots(rows=1, cols=len(codes), shared_yaxes=True, horizontal_spacing=0.03,
                        subplot_titles=[_wrap(names[c], 28, 9) for c in codes])
    for col, code in enumerate(codes, start=1):
        s = series[series["unit_code"] == code].sort_values("year")
        labels = [fmt_value(v, unit, lang, q) for v, q in zip(s["value"], s["qualifier"], strict=True)]
        fig.add_trace(go.Scatter(
            x=s["year"], y=s["value"], mode="lines+markers+text", text=labels, textposition="top center",
            textfont={"size": 11}, name=names[code], showlegend=False, hoverinfo="skip", cliponaxis=False,
            line={"color": LINE_COLORS[0], "width": 2.5}, marker={"symbol": LINE_MARKERS[0], "size": 8},
        ), row=1, col=col)
        if "disputed" in s:  # a contradicted figure, or a total that includes one of a unit below (`summed`)
            d = s[s["disputed"].fillna(False).astype(bool)
                  | (s["summed"].fillna(False).astype(bool) if "summed" in s else False)]
            if not d.empty:
                # under the point, clear of its marker (an unseen one of its size sets the text off) and never cut
                # at the panel's foot
                fig.add_trace(go.Scatter(x=d["year"], y=d["value"], mode="markers+text", text=[DISPUTED_MARK] * len(d),
                                         textposition="bottom center", showlegend=False, hoverinfo="skip",
                                         marker={"size": 8, "opacity": 0}, cliponaxis=False),
                              row=1, col=col)
        g = targets[targets["unit_code"] == code].sort_values("year") if targets is not None else pd.DataFrame()
        if not g.empty:
            fig.add_trace(go.Scatter(
                x=list(g["year"]), y=list(g["target"]), mode="lines", hoverinfo="skip",
                line={"color": "rgba(51, 51, 51, 0.55)", "width": 3, "shape": "hv"}, name=t("target_line", lang),
                legendgroup="target", showlegend=not any(tr.name == t("target_line", lang) for tr in fig.data),
            ), row=1, col=col)
            last = g.iloc[-1]
            fig.add_annotation(x=last["year"], y=last["target"], xref=f"x{col if col > 1 else ''}",
                               yref=f"y{col if col > 1 else ''}",
                               text=f"{t('target', lang)} {fmt_value(last['target'], unit, lang)}",
                               showarrow=False, xanchor="right", yanchor="top", font={"size": 10, "color": "#333333"})
    shown = [y for y in years if y in set(series["year"])] or list(years)
    fig.update_xaxes(range=[min(shown) - 0.5, max(shown) + 0.5], tickmode="array", tickvals=shown,
                     ticktext=[str(y) for y in shown], gridcolor="#EEEEEE")
    ys = pd.concat([series["value"], *([targets["target"]] if targets is not None and not targets.empty
                                        else [])]).dropna()
    yaxis: dict = {"gridcolor": "#E5E5E5", "zeroline": False, **_axis_format(unit)}
    if not ys.empty:
        low, top = float(ys.min()), float(ys.max())
        pad = max((top - low) * 0.15, 1.0 if unit == "percent" else abs(top) * 0.05 or 1.0)
        yaxis["range"] = [max(0.0, low - pad), top + pad * 1.6]  # room above for the labels
    fig.update_yaxes(**yaxis)
    fig = _base(fig, lang, title, height=420, legend_below=True)
    fig.update_annotations(selector={"yref": "paper"}, font={"size": 12})  # the units' names over the panels
    fig.update_layout(margin={"t": 110 if title else 70})  # the title, then the names of up to three lines
    if notes:
        # one note under all the panels: an axis title (add_note) would be repeated under each panel
        text = "<br>".join(_wrap(f"{DISPUTED_MARK} {x}", 110, 3) for x in notes)
        lines = text.count("<br>") + 1
        fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
                           yshift=-30, align="left", showarrow=False, font={"size": NOTE_SIZE, "color": "#333333"})
        # the legend (the target line) at the figure's foot, under the note
        fig.update_layout(height=(fig.layout.height or 420) + NOTE_LINE * lines, meta={"note": list(notes)},
                          margin={"b": 75 + NOTE_LINE * lines},
                          legend={"yref": "container", "y": 0, "yanchor": "bottom"})
    return fig
