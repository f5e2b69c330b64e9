"""The whole meeting pack in one call: `export_pack(con, catalog, out_dir, unit=None, formats=...)`.

    OUT/<UNIT>/<UNIT>_bao-cao_<YEAR>.pptx      slides (title, one per indicator group, summary table)
    OUT/<UNIT>/<UNIT>_phu-luc_<YEAR>.docx      Word annex: indicator, target, each year, status, source
    OUT/<UNIT>/<UNIT>_du-thao_<YEAR>.docx      Word draft of the results section
    OUT/<UNIT>/<UNIT>_so-lieu_<YEAR>.xlsx      workbook: assessment, values by year, cross-checks
    OUT/<UNIT>/<UNIT>_tom-tat_<YEAR>.pdf       the one-page summary of each unit (A4 landscape; with pdf)
    OUT/<UNIT>/charts/<UNIT>_<INDICATOR|GROUP>_<YEAR>.png|svg|pdf
    OUT/<UNIT|tat-ca>_<YEAR>.zip               all of the above

Without `unit`, one pack per top-level unit. Every chart of every pack is rendered through one Chromium.
The database is only read.
"""

from __future__ import annotations

import io
import queue
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.catalog import Catalog
from monitor.attainment import units_frame
from monitor.charts import slug
from monitor.export import FORMATS, IMAGE_FORMATS
from monitor.export.charts import TABS, Chart, browser, render_chart
from monitor.export.docx import write_annex, write_draft
from monitor.export.figures import iter_pack_charts
from monitor.export.model import PackData, load_pack_data
from monitor.export.onepage import write_onepage
from monitor.export.pptx import write_deck
from monitor.export.xlsx import write_workbook
from monitor.unit_tree import UnitTree


@dataclass
class PackResult:
    files: list[Path] = field(default_factory=list)
    zip_path: Path | None = None
    charts: int = 0
    renders: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # step → time (rendering overlaps the Office files)

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
    return UnitTree.of(units_frame(con)).roots()


def _office_files(data: PackData, folder: Path, formats: Sequence[str], result: PackResult) -> None:
    """The Word and Excel files: they need no chart, so they are written while the charts render."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, year = slug(data.scope), data.as_of
    writers = [("docx", f"{stem}_phu-luc_{year}.docx", write_annex),
               ("docx", f"{stem}_du-thao_{year}.docx", write_draft),
               ("xlsx", f"{stem}_so-lieu_{year}.xlsx", write_workbook),
               ("pdf", f"{stem}_tom-tat_{year}.pdf", write_onepage)]  # one page per unit, printed by Chromium
    for fmt, name, write in writers:
        if fmt in formats:
            t = time.perf_counter()
            write(data, folder / name)
            result.files.append(folder / name)
            result.add_time(fmt, t)


def _chart_files(data: PackData, charts: Sequence[Chart], folder: Path, formats: Sequence[str],
                 result: PackResult) -> None:
    """The chart files and the slides, once every chart is rendered."""
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    for fmt in IMAGE_FORMATS:
        if fmt in formats:
            (folder / "charts").mkdir(exist_ok=True)
            for chart in charts:
                path = folder / "charts" / f"{chart.stem}.{fmt}"
                path.write_bytes(chart.images[fmt])
                result.files.append(path)
    t = result.add_time("chart files", t)
    if "pptx" in formats:
        path = folder / f"{slug(data.scope)}_bao-cao_{data.as_of}.pptx"
        write_deck(data, charts, path)
        result.files.append(path)
        result.add_time("pptx", t)


_DONE = object()
_COUNT = threading.Lock()  # the render threads add to one PackResult


def _render_all(jobs: queue.Queue, formats: list[str], result: PackResult, errors: list[BaseException]) -> None:
    """Render charts as the main thread builds them (Chromium works in a process of its own)."""
    while (chart := jobs.get()) is not _DONE:
        if errors:
            continue  # drain: the main thread learns of the failure when it joins
        try:
            t = time.perf_counter()
            render_chart(chart, formats)
            with _COUNT:
                result.renders += len(formats)
                result.add_time("render", t)
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)


def _build(packs: Callable[[], list[PackData]], catalog: Catalog, out: Path, formats: tuple[str, ...],
           result: PackResult, lang: str) -> list[PackData]:
    """Every file of the packs under `out` (result.files). `packs` is called once the browser is
    starting, so Chromium starts while the data are read."""
    wanted = [f for f in IMAGE_FORMATS if f in formats]
    if "pptx" in formats and "png" not in wanted:
        wanted.append("png")  # the slides show the PNGs
    all_charts: list[list[Chart]] = []
    with ExitStack() as stack:
        if wanted:
            stack.enter_context(browser())
        t = time.perf_counter()
        data = packs()
        result.add_time("data", t)
        jobs: queue.Queue = queue.Queue()
        errors: list[BaseException] = []
        workers = [threading.Thread(target=_render_all, args=(jobs, wanted, result, errors),
                                    name=f"monitor-export-render-{i}") for i in range(TABS)]
        for worker in workers:
            worker.start()
        try:
            for d in data:
                charts = []
                if wanted:
                    t = time.perf_counter()
                    for chart in iter_pack_charts(d.assessed, d.values, catalog, d.units, d.scope, d.rows, d.as_of,
                                                  d.term, lang):
                        charts.append(chart)
                        jobs.put(chart)
                    result.add_time("figures", t)
                all_charts.append(charts)
            for d in data:
                _office_files(d, out / slug(d.scope), formats, result)
        finally:
            for _ in workers:
                jobs.put(_DONE)
            for worker in workers:
                worker.join()
        if errors:
            raise errors[0]
    for d, charts in zip(data, all_charts, strict=True):
        result.charts += len(charts)
        _chart_files(d, charts, out / slug(d.scope), formats, result)
    return data


def _zip(files: Sequence[Path], root: Path, target: Path | io.BytesIO) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for path in files:
            z.write(path, path.relative_to(root).as_posix())


def export_pack(con: duckdb.DuckDBPyConnection, catalog: Catalog, out_dir: str | Path, unit: str | None = None,
                formats: str | Iterable[str] = FORMATS, *, as_of: int | None = None, lang: str = "vi") -> PackResult:
    """Write the pack(s) under `out_dir` and a ZIP of them; returns what was written and the times.

    The steps overlap where they can: Chromium starts while the data are read, renders each chart while
    the next is built, and keeps rendering while the Word and Excel files are written.
    """
    formats = parse_formats(formats)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = PackResult()

    def packs() -> list[PackData]:
        units = units_frame(con)
        return [load_pack_data(con, catalog, s, as_of=as_of, lang=lang, units=units)
                for s in ([unit] if unit else top_units(con))]

    data = _build(packs, catalog, out, formats, result, lang)
    t = time.perf_counter()
    result.zip_path = out / f"{slug(unit) if unit else 'tat-ca'}_{max(d.as_of for d in data)}.zip"
    _zip(result.files, out, result.zip_path)
    result.add_time("zip", t)
    return result


def pack_bytes(data: PackData, formats: str | Iterable[str] = FORMATS) -> bytes:
    """The pack of what a page shows (monitor.export.model.from_frames) as one ZIP, for a download."""
    formats = parse_formats(formats)
    result = PackResult()
    with tempfile.TemporaryDirectory() as tmp:
        _build(lambda: [data], data.catalog, Path(tmp), formats, result, data.lang)
        buf = io.BytesIO()
        _zip(result.files, Path(tmp), buf)
    return buf.getvalue()


def run_cli(args: object, open_db: object, rejected: type[Exception]) -> int:
    """`python -m monitor export --db PATH --out DIR [--unit CODE] [--format ...] [--year YYYY]`."""
    from core.catalog import default_catalog
    from core.i18n import both
    from monitor.export.charts import ChromiumMissing

    con = open_db(args.db)
    try:
        if args.unit is not None and not con.execute("SELECT count(*) FROM units WHERE unit_code = ?",
                                                     [args.unit]).fetchall()[0][0]:
            raise rejected(f"--unit {args.unit}: no such unit in {args.db}", "cli_rejected_no_unit", unit=args.unit,
                           db=args.db)
        t = time.perf_counter()
        try:
            result = export_pack(con, default_catalog(), args.out, unit=args.unit, formats=args.format,
                                 as_of=args.year)
        except ChromiumMissing as exc:
            raise rejected(f"{exc} (or leave charts and slides out: --format docx,xlsx)") from None
    finally:
        con.close()
    print(both("cli_export_wrote", files=len(result.files), zip=result.zip_path, charts=result.charts,
               seconds=time.perf_counter() - t))
    return 0
