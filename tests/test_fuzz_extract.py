"""The extractor under arbitrary input: always a result or a DocumentError naming the file, never
another exception and never a hang; every proposed row keeps the contract's invariants.

Text is drawn from three sources: any Unicode, Vietnamese-looking text built from the extractor's own
vocabulary (indicators.yaml `extraction:`) with figures and markup, and very long lines. Files of
arbitrary bytes go in under every suffix the extractor reads. A hang is a correctness bound, not a
speed check: each example must finish within HANG_SECONDS, a generous limit (the slowest regression
case below takes well under a second; before the fixes they took from 20 s to many minutes).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import signal
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.catalog import default_catalog
from etl.extract import ExtractResult, extract
from etl.extract_text import SUFFIXES, DocumentError, build_blocks, text_lines
from etl.model import MEASURE_COLUMNS

CATALOG = default_catalog()
HANG_SECONDS = 10
# FUZZ_EXAMPLES=5000 for a long hunt; the suite's default keeps this file to about half a minute
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FILE_SETTINGS = settings(max_examples=max(1, EXAMPLES // 4), deadline=None,
                         suppress_health_check=[HealthCheck.too_slow])


class Hang(BaseException):
    """The example ran past HANG_SECONDS (a BaseException: no `except Exception` inside may swallow it)."""


@contextlib.contextmanager
def bounded(seconds: int = HANG_SECONDS) -> Iterator[None]:
    def alarm(signum: int, frame: object) -> None:
        raise Hang(f"no result after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# -- the vocabulary ------------------------------------------------------------------------------

def _words(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _words(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("aliases", "words", "untracked") or not isinstance(value, str | int | bool | None):
                yield from _words(value)


VOCABULARY = sorted({w.replace("{year}", "2021") for w in _words(CATALOG.extraction) if w.strip()})
VOCABULARY += [m.name_vi for m in CATALOG.rating_scale.values()] + ["năm 2021", "Năm 2022 có", "6 tháng đầu năm 2023"]


def _vi_number(n: int, decimals: int) -> str:
    whole = f"{n:,}".replace(",", ".")
    return whole + ("," + "5" * decimals if decimals else "")


NUMBERS = st.one_of(
    st.builds(_vi_number, st.integers(0, 10**7), st.integers(0, 2)),
    st.builds(lambda a, b: f"{a}/{b}", st.integers(0, 5000), st.integers(0, 5000)),
    st.builds(lambda n, d: f"{_vi_number(n, d)}%", st.integers(0, 150), st.integers(0, 2)),
    st.builds(lambda n: f"(tỷ lệ {n},5%)", st.integers(0, 120)),
    st.builds(lambda w, n: f"{w} {n}%", st.sampled_from(["trên", "dưới", "khoảng", "đạt"]), st.integers(0, 100)),
    st.sampled_from(["0", "00", "1.234,5", "3.577", "22/12/2020", "2021", "2020-2025", "Covid-19",
                     "21-HD/BTCTW", "1.3.", "9" * 400, "1" + "0" * 300]),
)
MARKUP = st.sampled_from(["**", "*", "_", "__", "~~", "$", "$$", "\\%", "\\frac{56}{58}", "\\text{tỷ lệ}",
                          "<sup>1</sup>", "<sup>", "</sup>", "[^1]", "[^1]:", "¹", "²", "<br>", "&amp;", "[a](b)",
                          "|", " | ", "#", "\t", "\u00a0", "(", ")", "[", "]", "{", "}", "\\", "<", ">"])
SEPARATORS = st.sampled_from([" ", " ", " ", ", ", "; ", ": ", ". ", "\n", "\n\n", "\n- ", "\n+ ", "\n* ", "\n1. ",
                              "\n1.1. ", "\na) ", "\n(1) ", "\nI. ", "\n## ", "\n| ", " |\n", "\n|---|---|\n", "-\n"])
TOKENS = st.one_of(st.sampled_from(VOCABULARY), NUMBERS, MARKUP, SEPARATORS)
VIETNAMESE = st.lists(TOKENS, max_size=80).map(" ".join)
LONG_LINES = st.builds(lambda token, n, tail: token * n + tail,
                       st.one_of(TOKENS, st.text(min_size=1, max_size=4)), st.integers(500, 6000),
                       st.one_of(st.just(""), TOKENS))


# -- invariants ----------------------------------------------------------------------------------

def _space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def assert_invariants(result: ExtractResult, text: str | None = None) -> None:
    """What every proposed row must be, whatever the input."""
    assert isinstance(result, ExtractResult)
    blocks = _space(" ".join(b.text for b in build_blocks(text_lines(text)))) if text is not None else None
    for row in result.rows:
        assert list(row) == list(MEASURE_COLUMNS)
        assert all(isinstance(v, str) for v in row.values())
        assert row["unit_code"] == "HD"
        assert row["measure"] in CATALOG.measures or row["measure"] in CATALOG.indicators, row
        assert row["period"] in CATALOG.periods, row
        assert row["org_type"] == "" or row["org_type"] in CATALOG.org_types, row
        assert row["qualifier"] in ("", ">", "<", "~"), row
        assert re.fullmatch(r"\d{4}", row["year"]) and int(row["year"]) <= 2022, row
        value = float(row["value"])
        assert math.isfinite(value) and value >= 0, row
        indicator = CATALOG.indicators.get(row["measure"])
        if indicator is not None and indicator.is_rate and not indicator.may_exceed_100:
            assert value <= 100, row
        place, _, sentence = row["source"].partition(": ")
        assert re.fullmatch(r"(report\.\w+, )?(line|paragraph|page|table) \d+.*", place), row["source"]
        assert sentence.strip(), row
        if blocks is not None:  # the sentence is the report's own, markup aside
            assert _space(sentence) in blocks, (sentence, blocks)
    for item in result.unplaced:
        assert set(item) == {"value", "place", "reason", "sentence"} and item["reason"], item


def run_text(text: str) -> ExtractResult:
    with bounded():
        result = extract(text, "HD", 2022, CATALOG)
    assert_invariants(result, text)
    return result


def run_file(name: str, data: bytes) -> ExtractResult | None:
    """A result, or a DocumentError whose message starts with the file's name; nothing else."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            with bounded():
                result = extract(path, "HD", 2022, CATALOG)
        except DocumentError as exc:
            assert str(exc).startswith(f"{name}: ") and len(str(exc)) > len(name) + 2, str(exc)
            return None
    assert_invariants(result)
    return result


# -- properties ----------------------------------------------------------------------------------

@SETTINGS
@given(st.text(max_size=3000))
def test_any_text(text: str) -> None:
    run_text(text)


@SETTINGS
@given(VIETNAMESE)
def test_vietnamese_looking_text(text: str) -> None:
    run_text(text)


@FILE_SETTINGS
@given(LONG_LINES)
def test_very_long_lines(text: str) -> None:
    run_text(text)


@FILE_SETTINGS
@given(st.sampled_from(SUFFIXES), st.binary(max_size=2000))
def test_arbitrary_bytes_under_every_suffix(suffix: str, data: bytes) -> None:
    run_file("report" + suffix, data)


@FILE_SETTINGS
@given(st.sampled_from(SUFFIXES), st.binary(max_size=600))
def test_arbitrary_bytes_behind_each_format_signature(suffix: str, data: bytes) -> None:
    head = {".docx": b"PK\x03\x04", ".pdf": b"%PDF-1.4\n"}.get(suffix, b"\xef\xbb\xbf")
    run_file("report" + suffix, head + data)


@FILE_SETTINGS
@given(st.dictionaries(st.sampled_from(["[Content_Types].xml", "word/document.xml", "_rels/.rels",
                                        "word/_rels/document.xml.rels", "word/styles.xml"]),
                       st.one_of(st.binary(max_size=200), VIETNAMESE.map(str.encode))))
def test_zip_archives_with_junk_parts_as_docx(parts: dict[str, bytes]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in parts.items():
            z.writestr(name, content)
    run_file("report.docx", buf.getvalue())


@FILE_SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["Normal", "Heading 1", "Heading 2", "List Bullet", "Title"]), VIETNAMESE),
                max_size=8),
       st.lists(st.lists(st.one_of(NUMBERS, st.sampled_from(VOCABULARY)), min_size=2, max_size=4), max_size=4))
def test_word_documents_built_from_the_vocabulary(paragraphs: list[tuple[str, str]], table: list[list[str]]) -> None:
    document = docx.Document()
    for style, text in paragraphs:
        # Word refuses control characters in its XML; a real document cannot hold them either
        document.add_paragraph(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text), style=style)
    if table:
        width = max(len(r) for r in table)
        grid = document.add_table(rows=len(table), cols=width)
        for i, row in enumerate(table):
            for j, cell in enumerate(row):
                grid.cell(i, j).text = cell
    buf = io.BytesIO()
    document.save(buf)
    run_file("report.docx", buf.getvalue())


@FILE_SETTINGS
@given(VIETNAMESE, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"]))
def test_text_files_in_any_encoding(text: str, encoding: str) -> None:
    run_file("report.md", text.encode(encoding, "replace"))


# -- regressions: one per bug found --------------------------------------------------------------

# Each line took from 20 s to many minutes before its fix (quadratic or worse in the line's length).
SLOW_LINES = {
    "3000 counts in one sentence (every figure rescanned the sentence)": " ".join(
        f"{i} đảng viên" for i in range(3000)),
    "2000 counts with rates (each rate looked at every later phrase)": ", ".join(
        f"{i} tổ chức cơ sở đảng ({i % 100},5%)" for i in range(2000)),
    "bold markers that never close": "**a " * 25_000,
    "underscores that never close": "_a " * 30_000,
    "strikes that never close": "~~a " * 25_000,
    "<sup> tags that never close": "<sup>" * 20_000,
    "footnote brackets that never close": "[^" * 50_000,
    "links that never close": "[a" * 50_000,
    "a bold line with a long gap before its last word": "**a**" + " " * 50_000 + "x",
    "a table cell of digits that is not a number": "| a | b |\n|---|---|\n| x | " + "1" * 50_000 + "x |",
}


@pytest.mark.parametrize("text", list(SLOW_LINES.values()), ids=list(SLOW_LINES))
def test_pathological_lines_end(text: str) -> None:
    assert run_text(text).rows == []  # ends, and none of these holds a figure


def test_a_long_single_line_text_is_text_not_a_file_name() -> None:
    # was OSError 'File name too long': a one-line text ending in .txt was tried as a path first
    assert run_text("x" * 300 + ".txt").rows == []
    assert run_text("báo cáo\x00.md").rows == []


def test_a_count_too_large_to_be_finite_is_unplaced() -> None:
    # was decimal.InvalidOperation: 400 nines are an infinite float, and the rate check quantised it
    result = run_text("Năm 2021 có " + "9" * 400 + "/58 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ (tỷ lệ 96,5%).")
    assert ("9" * 400 + "/58", "too_large") in {(u["value"], u["reason"]) for u in result.unplaced}
    assert [(r["measure"], r["value"]) for r in result.rows] == [("org_good_rate", "96.5")]


def test_a_huge_finite_count_does_not_break_the_rate_check() -> None:
    # was decimal.InvalidOperation: 10^300 / 1 quantised to a whole number needs 300 digits
    result = run_text("Năm 2021 có 1" + "0" * 300 + "/1 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ (tỷ lệ 96,5%).")
    assert [r["measure"] for r in result.rows] == ["org_good", "org_rated", "org_good_rate"]


def test_a_share_over_100_percent_is_unplaced_not_proposed() -> None:
    # was proposed as org_good_rate = 150, which the load then rejects as rate_over_100
    result = run_text("Năm 2021 có 56/58 tổ chức cơ sở đảng được xếp loại hoàn thành tốt nhiệm vụ (tỷ lệ 150%).")
    assert [(r["measure"], r["value"]) for r in result.rows] == [("org_good", "56"), ("org_rated", "58")]
    assert [(u["value"], u["reason"]) for u in result.unplaced] == [
        ("150%", "over_100")]


def test_a_plan_share_over_100_percent_is_still_proposed() -> None:
    result = run_text("Năm 2021 kết nạp 192/187 đảng viên mới, đạt 102,67% kế hoạch.")
    assert ("admission_plan_rate", "102.67") in {(r["measure"], r["value"]) for r in result.rows}


def test_a_zip_bomb_named_docx_is_refused_unopened() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * (50 * 1024 * 1024))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bomb.docx"
        path.write_bytes(buf.getvalue())
        with pytest.raises(DocumentError, match=r"^bomb\.docx: .*ZIP bomb"):
            extract(path, "HD", 2022, CATALOG)
