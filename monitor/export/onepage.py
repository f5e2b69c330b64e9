"""The one-page summary of a unit for a year: every target of its resolutions (result, target, status,
the change needed per year against the one achieved), the disputed figures marked, and the committee's
assessment in one line each. An A4 landscape PDF and the same page on screen, from one HTML.

Readable printed in black and white: a status is its symbol and its word (✔ Đạt, ✘ …), a contradicted
figure carries ⚑ and its sentence, the table is ruled in black; colour adds nothing the symbols do not say.
The PDF is printed by the system's Chromium (the one the charts use, monitor.export.charts.find_chromium),
so the page on screen and the paper are one layout. A page that would run over is printed again smaller.
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
from collections.abc import Sequence
from html import escape
from pathlib import Path

from pypdf import PdfReader

from core.i18n import DISPUTED_MARK, STATUS_CODES, status_label
from monitor import by_unit
from monitor.export.charts import EXPORT_FONT, _chromium
from monitor.export.committee import line, of_target, of_unit
from monitor.export.model import PackData
from monitor.export.text import tx

ZOOMS = (1.0, 0.86, 0.74, 0.62)  # tried in turn until each unit is on one page
PRINT_TIMEOUT = 60  # seconds Chromium may take to print

CSS = f"""
.onepage {{ font-family: '{EXPORT_FONT}', 'DejaVu Sans', Arial, sans-serif; color: #000; background: #fff;
  font-size: 9pt; line-height: 1.25; }}
.onepage h1 {{ font-size: 14pt; margin: 0 0 1mm 0; }}
.onepage .sub {{ font-size: 9.5pt; margin: 0 0 2mm 0; }}
.onepage table {{ border-collapse: collapse; width: 100%; table-layout: fixed; }}
.onepage th, .onepage td {{ border: 0.6pt solid #000; padding: 0.8mm 1.2mm; vertical-align: top;
  overflow-wrap: break-word; }}
.onepage th {{ background: #e6e6e6; text-align: left; font-weight: bold; }}
.onepage .note {{ font-size: 8pt; margin-top: 0.6mm; }}
.onepage .whole {{ margin: 2mm 0 0 0; font-size: 9pt; }}
.onepage .legend {{ font-size: 8pt; margin-top: 2mm; }}
.onepage .committee {{ font-style: italic; font-size: 8.5pt; }}
"""
PRINT_CSS = """
@page { size: A4 landscape; margin: 9mm 10mm; }
html, body { margin: 0; padding: 0; }
.onepage { break-after: page; }
.onepage:last-child { break-after: auto; }
"""


def onepage_rows(data: PackData, unit: str) -> list[dict[str, str | bool]]:
    """One row per target of `unit`'s resolutions: indicator, result, target, status (symbol and word),
    needed and achieved per year, the dispute sentence ('' if none), the committee's line ('' if none)."""
    lang = data.lang
    mine = data.assessed[data.assessed["unit_code"] == unit]
    table = by_unit.unit_targets(mine, data.values, data.catalog, unit, lang, [], units=data.units)
    rows = []
    for r, t in zip(mine.itertuples(index=False), table.itertuples(index=False), strict=True):
        # "own": its report contradicts it; else a total that includes a contradicted figure of a unit below
        rows.append({"indicator": t.full_name, "value": t.latest, "target": t.target, "status": t.status,
                     "needed": t.needed, "achieved": t.achieved, "disputed": bool(t.dispute), "dispute": t.dispute,
                     "own": bool(r.disputed), "committee": line(of_target(data, r), lang)})
    budget = committee_budget(len(rows))
    for row in rows:
        row["committee"] = shorten(str(row["committee"]), budget)
    return rows


def committee_budget(n_rows: int) -> int:
    """Characters of the committee's line a row has room for on one page (two or three printed lines)."""
    return 160 if n_rows <= 8 else 120 if n_rows <= 12 else 80


def shorten(text: str, budget: int) -> str:
    """The text whole if it fits, else cut at a word before `budget` and ended by '…' (the whole text is
    in the annex and on the Unit page, which the legend says)."""
    if len(text) <= budget:
        return text
    cut = text[:budget - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + " …"


def _unit_html(data: PackData, unit: str) -> str:
    lang = data.lang
    rows = onepage_rows(data, unit)
    head = [tx("col_indicator", lang), tx("onepage_col_value", lang), tx("onepage_col_target", lang),
            tx("onepage_col_status", lang), tx("onepage_col_needed", lang), tx("onepage_col_achieved", lang),
            tx("onepage_col_committee", lang)]
    widths = ["22%", "8.5%", "11%", "11.5%", "8.5%", "8.5%", "30%"]
    cols = "".join(f'<col style="width:{w}">' for w in widths)
    sub = tx("onepage_as_of", lang, unit=data.name(unit), year=data.as_of, term=data.term.name(lang))
    out = [f'<section class="onepage" lang="{lang}">', f"<h1>{escape(tx('onepage_title', lang))}</h1>",
           f'<p class="sub">{escape(sub)}</p>']
    if not rows:
        out.append(f"<p>{escape(tx('onepage_none', lang))}</p></section>")
        return "".join(out)
    out.append(f"<table><colgroup>{cols}</colgroup><thead><tr>"
               + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr></thead><tbody>")
    for r in rows:
        said = tx("onepage_disputed" if r["own"] else "onepage_disputed_below", lang, mark=DISPUTED_MARK,
                  text=r["dispute"])
        dispute = f'<div class="note">{escape(said)}</div>' if r["disputed"] else ""
        mark = f" {DISPUTED_MARK}" if r["disputed"] and DISPUTED_MARK not in str(r["status"]) else ""
        out.append(f'<tr><td>{escape(str(r["indicator"]))}{dispute}</td><td class="num">{escape(str(r["value"]))}{mark}'
                   f'</td><td>{escape(str(r["target"]))}</td><td>{escape(str(r["status"]))}</td>'
                   f'<td class="num">{escape(str(r["needed"]))}</td><td class="num">{escape(str(r["achieved"]))}</td>'
                   f'<td class="committee">{escape(str(r["committee"]))}</td></tr>')
    out.append("</tbody></table>")
    whole = line(of_unit(data, unit), lang)
    if whole:
        out.append(f'<p class="whole"><b>{escape(tx("committee_whole", lang))}:</b> {escape(whole)}</p>')
    cut = any(str(r["committee"]).endswith(" …") for r in rows)
    symbols = " · ".join(status_label(s, lang) for s in STATUS_CODES
                         if any(status_label(s, lang) in str(r["status"]) for r in rows))
    if any(r["disputed"] and r["own"] for r in rows):
        symbols += f" · {DISPUTED_MARK} {tx('onepage_disputed', lang, mark='', text='').strip(' :')}"
    if any(r["disputed"] and not r["own"] for r in rows):
        symbols += f" · {tx('onepage_legend_below', lang, mark=DISPUTED_MARK)}"
    if cut:
        symbols += f" · {tx('onepage_cut', lang)}"
    out.append(f'<p class="legend">{escape(tx("onepage_legend", lang, symbols=symbols))}</p></section>')
    return "".join(out)


def onepage_fragment(data: PackData, unit: str) -> str:
    """The page for the screen (st.html): its own styles, scoped to .onepage."""
    return f"<style>{CSS}</style>{_unit_html(data, unit)}"


def onepage_html(data: PackData, units: Sequence[str] | None = None, zoom: float = 1.0) -> str:
    """The printable document: one A4 landscape page per unit (default: the pack's units)."""
    body = "".join(_unit_html(data, u) for u in (units or data.rows))
    return (f'<!DOCTYPE html><html lang="{data.lang}"><head><meta charset="utf-8"><title>'
            f'{escape(tx("onepage_title", data.lang))}</title><style>{CSS}{PRINT_CSS}'
            f"body {{ zoom: {zoom}; }}</style></head><body>{body}</body></html>")


def _print(html: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="monitor-onepage-") as tmp:
        page, pdf = Path(tmp) / "page.html", Path(tmp) / "page.pdf"
        page.write_text(html, encoding="utf-8")
        args = [_chromium(), "--headless", "--disable-gpu", "--no-pdf-header-footer", "--no-first-run",
                f"--user-data-dir={tmp}/profile", f"--print-to-pdf={pdf}", page.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        subprocess.run(args, check=True, capture_output=True, timeout=PRINT_TIMEOUT)
        return pdf.read_bytes()


def onepage_pdf(data: PackData, units: Sequence[str] | None = None) -> bytes:
    """The summary as PDF bytes, one page per unit; ChromiumMissing when there is no browser to print."""
    units = list(units or data.rows)
    for zoom in ZOOMS:
        pdf = _print(onepage_html(data, units, zoom))
        if len(PdfReader(io.BytesIO(pdf)).pages) <= len(units):
            break
    return pdf


def write_onepage(data: PackData, out: Path | io.BytesIO) -> None:
    pdf = onepage_pdf(data)
    if isinstance(out, Path):
        out.write_bytes(pdf)
    else:
        out.write(pdf)
