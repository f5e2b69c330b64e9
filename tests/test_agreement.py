"""The stated-rate rule (core.agreement) has a numpy form and a SQL form: they must answer alike, bit for
bit, on every kind of figure, and both must say what docs/method.md says."""

from __future__ import annotations

import math
import random

import duckdb
import numpy as np
import pytest

from core.agreement import agrees, agrees_sql, rate, rate_sql
from core.i18n import fmt_number


def _cases(seed: int, n: int) -> list[tuple[float, float, float, int]]:
    """(stated, num, den, decimals): reports' rates near their counts' (rounded, cut, one step off,
    half a step off), ties at exactly half a step, zero and negative denominators, off-grid statements."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        decimals = rng.choice([0, 1, 1, 2, 2, 3, 4])
        step = 10.0 ** -decimals
        kind = rng.random()
        if kind < 0.1:  # a tie: 100 × num / den = (k + ½) steps exactly in decimal
            den = rng.choice([8, 16, 40, 80, 200, 400, 2000, 20000, 200000])
            num = rng.randint(0, den)
        elif kind < 0.15:
            den, num = rng.choice([0, 0, -3]), rng.randint(0, 50)
        elif kind < 0.2:
            den = rng.randint(1, 10**9)
            num = rng.randint(0, den) + rng.choice([0, 0.5, 1e-6])
        else:
            den = rng.choice([rng.randint(1, 60), rng.randint(60, 5000), rng.randint(5000, 10**7)])
            num = rng.randint(0, den)
        c = 100.0 * num / den if den > 0 else 50.0
        k = math.floor(c / step)
        pick = rng.random()
        if pick < 0.05:
            stated = 1e-05  # off every grid
        elif pick < 0.15:
            stated = c  # as computed, all its digits
        elif pick < 0.3:
            stated = round((k + 0.5) * step, decimals + 1)  # half a step: never a rounding
        else:
            stated = round((k + rng.choice([-1, 0, 0, 1, 1, 2])) * step, decimals)
        out.append((stated, float(num), float(den), decimals))
    # at the boundaries: 56/58 written both ways, ties a hair under half in binary (201/20000 = 1,005),
    # a product a hair under a whole number (0,29 × 100), 100 × 58/58, and nothing to divide by
    out += [(96.6, 56, 58, 1), (96.5, 56, 58, 1), (96.55, 56, 58, 2), (96.4, 56, 58, 1), (96.7, 56, 58, 1),
            (1.01, 201, 20000, 2), (1.0, 201, 20000, 2), (68.12, 13623, 20000, 2), (0.29, 29, 10000, 2),
            (100.0, 58, 58, 0),
            (100.0, 58, 58, 2), (0.0, 0, 58, 0), (0.0, 0, 0, 0), (12.5, 1, 8, 1), (13.0, 1, 8, 0),
            (12.0, 1, 8, 0), (11.0, 1, 8, 0), (31.0, 18, 55, 0), (32.0, 18, 55, 0)]
    return out


def test_numpy_and_sql_agree_on_generated_figures() -> None:
    cases = _cases(20, 20000)
    stated, num, den, decimals = (np.array(x) for x in zip(*cases, strict=True))
    expected = agrees(stated, rate(num, den), decimals)
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, s DOUBLE, n DOUBLE, d DOUBLE, decimals INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)",
                    [(i, *c) for i, c in enumerate(cases)])
    got = con.execute(f"SELECT coalesce({agrees_sql('s', rate_sql('n', 'd'), 'decimals')}, false) "
                      "FROM t ORDER BY i").fetchnumpy()
    sql = np.asarray(next(iter(got.values())), bool)
    assert sql.tolist() == expected.tolist()
    # one figure at a time, as a report is read: plain floats, no arrays
    one = [agrees(st, rate(n, d), k) for st, n, d, k in cases]
    assert one == expected.tolist()
    assert all(type(x) is bool for x in one)
    # the data sits on both sides of the rule
    assert 0.2 < expected.mean() < 0.8


def test_sql_computed_rates_are_the_numpy_ones() -> None:
    cases = _cases(21, 2000)
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, n DOUBLE, d DOUBLE)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(i, c[1], c[2]) for i, c in enumerate(cases)])
    sql = con.execute(f"SELECT {rate_sql('n', 'd')} FROM t ORDER BY i").fetchall()
    py = rate([c[1] for c in cases], [c[2] for c in cases])
    assert [None if math.isnan(x) else x for x in py.tolist()] == [r[0] for r in sql]
    one = [rate(c[1], c[2]) for c in cases]
    assert [None if math.isnan(x) else x for x in one] == [r[0] for r in sql]


def test_a_rate_as_the_app_writes_it_agrees() -> None:
    """A report that rounds as the app writes a figure (core.i18n: half up, 68,115 → 68,12) is no slip;
    cut, it is none either; one step off, it is one."""
    rng = random.Random(22)
    for _ in range(5000):
        den = rng.choice([rng.randint(1, 100), rng.randint(100, 100000), 8 * 10 ** rng.randint(0, 5)])
        num, decimals = rng.randint(0, den), rng.randint(0, 3)
        c = rate(num, den)
        written = float(fmt_number(c, "en", decimals).replace(",", ""))
        assert agrees(written, c, decimals), (num, den, decimals)
        cut = math.floor(round(c * 10**decimals, 9)) / 10**decimals
        assert agrees(cut, c, decimals), (num, den, decimals)
        above = max(written, cut) + 10.0 ** -decimals
        assert not agrees(round(above, decimals), c, decimals), (num, den, decimals)


@pytest.mark.parametrize(("stated", "num", "den", "decimals", "expected"), [
    (96.6, 56, 58, 1, True),  # 96,55…% rounded
    (96.5, 56, 58, 1, True),  # cut
    (96.55, 56, 58, 2, True),
    (96.4, 56, 58, 1, False),
    (96.7, 56, 58, 1, False),
    (96.0, 56, 58, 0, True),  # rounded 97, cut 96
    (95.0, 56, 58, 0, False),
    (31.0, 18, 55, 0, False),  # Tây Sơn 2022: 18/55 = 32,7%, stated 31%
    (31.0, 18, 58, 0, True),  # 18/58 = 31,03%
    (100.0, 58, 58, 0, True),
    (0.29, 29, 10000, 2, True),  # 0,29 × 100 = 28,999999999999996: cut to 29 all the same
    (1.0, 201, 20000, 2, True),  # 1,005 cut
    (1.01, 201, 20000, 2, True),  # 1,005 rounded half up, although the double is 1,00499…
    (68.12, 13623, 20000, 2, True),  # 68,115 (68,11499… in binary) rounded half up
    (68.11, 13623, 20000, 2, True),
    (68.13, 13623, 20000, 2, False),
    (57.0, 57, 100, 0, True),
    (58.0, 46, 80, 0, True),  # 57,5 rounded half up
    (4.3, 88, 2000, 1, False),  # 4,4 exactly (88 / 2000 × 100 would give 4,3999…)
    (50.0, 3, 0, 0, False),  # no denominator, no rate, nothing agrees
    (1e-05, 1, 100000, 0, False),  # off the grid of its decimals
])
def test_the_rule(stated: float, num: float, den: float, decimals: int, expected: bool) -> None:
    assert agrees(stated, rate(num, den), decimals) is expected
    assert agrees(np.array([stated]), rate(np.array([num]), np.array([den])), np.array([decimals])).tolist() == [
        expected]
    con = duckdb.connect()
    got = con.execute(f"SELECT coalesce({agrees_sql('$s', rate_sql('$n', '$d'), '$k')}, false)",
                      {"s": stated, "n": float(num), "d": float(den), "k": decimals}).fetchone()
    assert got == (expected,)
