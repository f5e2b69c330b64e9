"""The readers under arbitrary input: always a clear problem list, never a traceback or a hang."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.load import check

HEADER = "unit_code,year,period,org_type,measure,value,qualifier,source"
FIELDS = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r"), max_size=12)
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check_bytes(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        report = check([path])
    for p in report.problems:
        assert p.file == str(path) or p.file.startswith(str(path))
        said = p.text("vi")  # a finished sentence in the reader's words, whatever the input
        assert p.rule and said.endswith(".") and p.rule not in said, said


@SETTINGS
@given(st.binary(max_size=400))
def test_arbitrary_bytes_as_csv(data: bytes) -> None:
    _check_bytes("x.csv", data)


@SETTINGS
@given(st.lists(st.lists(FIELDS, min_size=0, max_size=10), max_size=6))
def test_arbitrary_rows_under_the_contract_header(rows: list[list[str]]) -> None:
    text = HEADER + "\n" + "\n".join(",".join('"' + f.replace('"', '""') + '"' for f in r) for r in rows)
    _check_bytes("m.csv", text.encode("utf-8"))


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_xlsx_and_parquet(data: bytes) -> None:
    _check_bytes("x.xlsx", b"PK\x03\x04" + data)
    _check_bytes("x.parquet", b"PAR1" + data + b"PAR1")


@SETTINGS
@given(st.dictionaries(st.sampled_from(["xl/workbook.xml", "[Content_Types].xml", "xl/worksheets/sheet1.xml",
                                        "xl/_rels/workbook.xml.rels"]), st.binary(max_size=200)))
def test_zip_archives_with_junk_parts_as_xlsx(parts: dict[str, bytes]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in parts.items():
            z.writestr(name, content)
    _check_bytes("x.xlsx", buf.getvalue())
