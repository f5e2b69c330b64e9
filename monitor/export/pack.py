"""The whole meeting pack in one call: `export_pack(con, catalog, out_dir, unit=None, formats=...)`.

    OUT/<UNIT>/<UNIT>_bao-cao_<YEAR>.pptx      slides (title, one per indicator group, summary table)
    OUT/<UNIT>/<UNIT>_phu-luc_<YEAR>.docx      Word annex: indicator, target, each year, status, source
    OUT/<UNIT>/<UNIT>_du-thao_<YEAR>.docx      Word draft of the results section
    OUT/<UNIT>/<UNIT>_so-lieu_<YEAR>.xlsx      workbook: scorecard, values by year, cross-checks
    OUT/<UNIT>/charts/<UNIT>_<INDICATOR|GROUP>_<YEAR>.png|svg|pdf
    OUT/<UNIT|tat-ca>_<YEAR>.zip               all of the above

Without `unit`, one pack per top-level unit. Every chart of every pack is rendered through one Chromium.
The database is only read.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from monitor.attainment import units_frame
from monitor.catalog import Catalog
from monitor.charts import slug
from monitor.export import FORMATS, IMAGE_FORMATS
from monitor.export.charts import Chart, browser, render_chart
from monitor.export.docx import write_annex, write_draft
from monitor.export.figures import pack_charts
from monitor.export.model import PackData, load_pack_data
from monitor.export.pptx import write_deck
from monitor.export.xlsx import write_workbook


@dataclass
class PackResult:
    files: list[Path] = field(default_factory=list)
    zip_path: Path | None = None
    charts: int = 0
    renders: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # step → wall time

    def add_time(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[step] = self.seconds.get(step, 0.0) + now - since
        return now


def parse_formats(text: str | Iterable[str]) -> tuple[str, ...]:
    """'pptx,png' → ('pptx', 'png'); an unknown format raises ValueError naming it."""
    items = [s.strip().lower() for s in (text.split(",") if isinstance(text, str) else text) if s.strip()]
    unknown = [s for s in items if s not in FORMATS]
    if unknown or not items:
        raise ValueError(f"unknown format {', '.join(unknown) or '(none)'}: choose from {','.join(FORMATS)}")
    return tuple(dict.fromkeys(items))


def top_units(con: duckdb.DuckDBPyConnection) -> list[str]:
    units = units_frame(con)
    codes = set(units["unit_code"])
    return sorted(units.loc[~units["parent_code"].isin(codes), "unit_code"])


def _write_pack(data: PackData, charts: Sequence[Chart], folder: Path, formats: Sequence[str],
                result: PackResult) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stem = slug(data.scope)
    year = data.as_of
    t = time.perf_counter()
    if any(f in formats for f in IMAGE_FORMATS):
        (folder / "charts").mkdir(parents=True, exist_ok=True)
        for chart in charts:
            for fmt in IMAGE_FORMATS:
                if fmt in formats:
                    path = folder / "charts" / f"{chart.stem}.{fmt}"
                    path.write_bytes(chart.images[fmt])
                    result.files.append(path)
    t = result.add_time("chart files", t)
    writers = [("pptx", f"{stem}_bao-cao_{year}.pptx", lambda p: write_deck(data, charts, p)),
               ("docx", f"{stem}_phu-luc_{year}.docx", lambda p: write_annex(data, p)),
               ("docx", f"{stem}_du-thao_{year}.docx", lambda p: write_draft(data, p)),
               ("xlsx", f"{stem}_so-lieu_{year}.xlsx", lambda p: write_workbook(data, p))]
    for fmt, name, write in writers:
        if fmt in formats:
            path = folder / name
            write(path)
            result.files.append(path)
            t = result.add_time(fmt, t)


def export_pack(con: duckdb.DuckDBPyConnection, catalog: Catalog, out_dir: str | Path, unit: str | None = None,
                formats: str | Iterable[str] = FORMATS, *, as_of: int | None = None, lang: str = "vi") -> PackResult:
    """Write the pack(s) under `out_dir` and a ZIP of them; returns what was written and the times."""
    formats = parse_formats(formats)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = PackResult()
    t = time.perf_counter()
    scopes = [unit] if unit else top_units(con)
    units = units_frame(con)
    packs = [load_pack_data(con, catalog, s, as_of=as_of, lang=lang, units=units) for s in scopes]
    t = result.add_time("data", t)
    wanted = [f for f in IMAGE_FORMATS if f in formats]
    if "pptx" in formats and "png" not in wanted:
        wanted.append("png")  # the slides show the PNGs
    all_charts = []
    for data in packs:
        charts = (pack_charts(data.assessed, data.values, catalog, data.units, data.scope, data.rows, data.as_of,
                              data.term, lang) if wanted else [])
        all_charts.append(charts)
    t = result.add_time("figures", t)
    if wanted and any(all_charts):
        with browser():
            t = result.add_time("browser start", t)
            for charts in all_charts:
                for chart in charts:
                    render_chart(chart, wanted)
                    result.renders += len(wanted)
        t = result.add_time("render", t)
    for data, charts in zip(packs, all_charts, strict=True):
        result.charts += len(charts)
        _write_pack(data, charts, out / slug(data.scope), formats, result)
    t = time.perf_counter()
    year = max(d.as_of for d in packs)
    result.zip_path = out / f"{slug(unit) if unit else 'tat-ca'}_{year}.zip"
    with zipfile.ZipFile(result.zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        for path in result.files:
            z.write(path, path.relative_to(out).as_posix())
    result.add_time("zip", t)
    return result


def run_cli(args: object, open_db: object, rejected: type[Exception]) -> int:
    """`python -m monitor export --db PATH --out DIR [--unit CODE] [--format ...] [--year YYYY]`."""
    from monitor.catalog import default_catalog
    from monitor.export.charts import ChromiumMissing

    con = open_db(args.db)
    try:
        if args.unit is not None and not con.execute("SELECT count(*) FROM units WHERE unit_code = ?",
                                                     [args.unit]).fetchall()[0][0]:
            raise rejected(f"--unit {args.unit}: no such unit in {args.db}")
        try:
            result = export_pack(con, default_catalog(), args.out, unit=args.unit, formats=args.format,
                                 as_of=args.year)
        except ChromiumMissing as exc:
            raise rejected(f"{exc} (or leave charts and slides out: --format docx,xlsx)") from None
    finally:
        con.close()
    print(f"Wrote {len(result.files)} file(s) and {result.zip_path} ({result.charts} chart(s), "
          f"{sum(result.seconds.values()):.1f} s)")
    return 0
