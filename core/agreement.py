"""Does a stated rate agree with its counts? One rule, in two forms: Python (numbers or numpy arrays) and SQL.

A stated rate agrees with the counts when it equals the computed rate (100 × num / den) rounded or cut
to the decimals the source wrote: reports do both, 56/58 = 96,55% is written 96,5% and 96,6%. Values
are compared at 9 decimals (docs/method.md §1, §3). Extraction (etl.extract) picks the indicator a
percent is a rate of by it, the check `stated_rate` (core.checks) lists a stated rate that fails it, and
the checks' pre-filter (core.checks.find_cells) looks only where it may fail.

Rounding is half up, as the reports round and as core.i18n writes a figure: 13623/20000 = 68,115% is
written 68,12%, although the double nearest 68,115 is a hair under it. So both rounding and cutting work
on x = computed × 10^d with a slack of CUT_SLACK: rounded = floor(x + ½ + slack) / 10^d, cut =
floor(x + slack) / 10^d (0,29 × 100 = 28,999999999999996 is cut to 29). The two forms do the same
floating-point operations in the same order, so they answer alike bit for bit (tests/test_agreement.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

# two values closer than this are equal (9 decimals: 100 × 58/58 is exactly 100)
TOLERANCE = 1e-9
# x × 10^d this close under a whole number (or a half) is taken as it: 0,29 × 100 = 28,999999999999996
CUT_SLACK = 1e-9


def _rule(s: Any, c: Any, d: Any, floor: Callable[[Any], Any]) -> Any:
    """The rule on floats (floor = math.floor) or arrays (numpy.floor): one text, the same operations in the
    same order as agrees_sql's."""
    scale = 10.0 ** d
    x = c * scale
    return ((abs(floor(x + 0.5 + CUT_SLACK) / scale - s) <= TOLERANCE)
            | (abs(floor(x + CUT_SLACK) / scale - s) <= TOLERANCE))


def _plain(*values: Any) -> bool:
    return all(isinstance(v, int | float) for v in values)


def rate(num: Any, den: Any) -> Any:
    """100 × num / den in core.metrics' order of operations; NaN where den is not positive (no rate)."""
    if _plain(num, den):  # one figure (reading a report): no numpy to import
        return 100.0 * num / den if den > 0 else math.nan
    import numpy as np

    num, den = np.asarray(num, float), np.asarray(den, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den > 0, 100.0 * num / den, np.nan)
    return out[()] if out.ndim == 0 else out


def agrees(stated: Any, computed: Any, decimals: Any) -> Any:
    """True where `stated`, written with `decimals` decimals, is `computed` rounded or cut to them.
    A missing computed rate (NaN) agrees with nothing. Numbers give a bool, arrays a boolean array."""
    if _plain(stated, computed, decimals):
        finite = math.isfinite(float(computed) * 10.0 ** decimals)  # math.floor takes no NaN or ∞
        return finite and bool(_rule(float(stated), float(computed), decimals, math.floor))
    import numpy as np

    s, c, d = np.asarray(stated, float), np.asarray(computed, float), np.asarray(decimals, float)
    with np.errstate(invalid="ignore", over="ignore"):
        out = _rule(s, c, d, np.floor)
    return bool(out) if out.ndim == 0 else out


def rate_sql(num: str, den: str) -> str:
    """SQL for `rate`: NULL where the denominator is not positive."""
    return f"CASE WHEN {den} > 0 THEN 100.0 * {num} / {den} END"


def agrees_sql(stated: str, computed: str, decimals: str) -> str:
    """SQL for `agrees` over the SQL expressions given (DOUBLE, DOUBLE, INTEGER). NULL where an operand
    is NULL; NaN agrees with nothing (DuckDB orders NaN above every number)."""
    scale = f"pow(10, {decimals})"
    x = f"{computed} * {scale}"
    return (f"(abs(floor({x} + 0.5 + {CUT_SLACK!r}) / {scale} - {stated}) <= {TOLERANCE!r}"
            f" OR abs(floor({x} + {CUT_SLACK!r}) / {scale} - {stated}) <= {TOLERANCE!r})")
