"""Shapes shared by the readers, the validation rules and the loader."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pandas is imported where a frame is made: `python -m etl --help` needs none
    import pandas as pd

# The long form of CONTRACT.md. Every reader yields these columns as text ('' = empty), the value
# already in machine form ('3577', '99.74'), plus where each row came from.
MEASURE_COLUMNS = ("unit_code", "year", "period", "org_type", "measure", "value", "qualifier", "source")
REQUIRED_MEASURE_COLUMNS = ("unit_code", "year", "measure", "value")
UNIT_COLUMNS = ("unit_code", "name_vi", "name_en", "parent_code", "kind")
REQUIRED_UNIT_COLUMNS = ("unit_code", "name_vi", "kind")
# optional: the years a unit exists (empty = open), for units reorganised (merged, split, renamed)
UNIT_TIME_COLUMNS = ("valid_from", "valid_to")
# unit_changes.csv: how units became others; `share` (0–1) only for a split, the part of the old unit's
# counts that went to the new one
CHANGE_COLUMNS = ("year", "from_code", "to_code", "change", "share")
REQUIRED_CHANGE_COLUMNS = ("year", "from_code", "to_code", "change")
CHANGE_KINDS = ("merge", "split", "rename", "move")
# `row` is the row a person finds in the file (the header is row 1); `value_col` names the column
# or spreadsheet cell column holding the value, for messages.
ORIGIN_COLUMNS = ("file", "sheet", "row", "value_col")

Severity = Literal["error", "finding", "warning"]


@dataclass(frozen=True)
class Problem:
    """One fault in the input. Errors reject the whole load; findings and warnings are stored.

    Data, not a sentence: the rule and its facts (`args`: the value as written, unit, measure, year…)
    are turned into words in the reader's language at the edge (core.problems.describe). `message`
    is a free-text detail where a problem has nothing else to say (a finding's own words, a parser's).
    """

    file: str
    row: int | None
    column: str | None
    rule: str
    message: str = ""
    severity: Severity = "error"
    sheet: str = ""
    args: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def text(self, lang: str = "vi", names: Mapping[str, str] | None = None,
             files: Mapping[str, str] | None = None) -> str:
        """What is wrong and what to do, in `lang` (unit names from `names`, file names from `files`)."""
        from core.problems import describe

        return describe(self, lang, names=names, files=files)

    def __str__(self) -> str:
        """In Vietnamese, the file by its name alone: this goes to the command line and to the audit log,
        which the Data page shows (never a directory of the server)."""
        from core.problems import describe, place

        where = place(self, "vi")
        return f"{where}: {describe(self, 'vi')}" if where else describe(self, "vi")


@dataclass
class Staged:
    """What a reader produced from one file: rows in the contract's long form, and read-time faults."""

    file: str
    kind: Literal["units", "measures", "changes"]
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    # contract column → how messages name it in this file (a template names spreadsheet columns)
    column_names: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> str:
        return self.column_names.get(name, name)


def empty_measures_frame() -> pd.DataFrame:
    import pandas as pd

    cols = [*ORIGIN_COLUMNS, *MEASURE_COLUMNS]
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else "string") for c in cols})
