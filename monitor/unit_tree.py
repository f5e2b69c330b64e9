"""The unit tree: which units sit under which, walked one way for every page, export and sum.

`UnitTree` is built once from the units' (code, parent) pairs. Children are in code order, so every
walk is the same wherever it is made: a subtree and the whole tree depth first, parents before their
children; the sums of attainment go up by depth. A unit whose parent is not a unit is a root.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class UnitTree:
    parent_of: dict[str, str]  # every unit's parent code ('' or a code that is no unit: a root)
    kids: dict[str, tuple[str, ...]]  # the units under each parent code, in code order

    @classmethod
    def of_pairs(cls, codes: Iterable[str], parents: Iterable[str]) -> UnitTree:
        parent_of = dict(zip(codes, parents, strict=True))
        kids: dict[str, list[str]] = {}
        for code, parent in parent_of.items():
            kids.setdefault(parent, []).append(code)
        return cls(parent_of, {p: tuple(sorted(c)) for p, c in kids.items()})

    @classmethod
    def of(cls, units: pd.DataFrame) -> UnitTree:
        """From a units frame (unit_code, parent_code)."""
        return cls.of_pairs(units["unit_code"].tolist(), units["parent_code"].tolist())

    def children(self, code: str) -> list[str]:
        return list(self.kids.get(code, ()))

    def roots(self) -> list[str]:
        return sorted(c for c, p in self.parent_of.items() if p not in self.parent_of)

    def walk(self, tops: Sequence[str], depth: int = 0) -> list[tuple[str, int]]:
        """`tops` and everything below them with their depths, depth first: each unit followed by its
        children (a unit met twice, as in a cycle the load refuses, once)."""
        out: list[tuple[str, int]] = []
        seen: set[str] = set()
        stack = [(c, depth) for c in reversed(tops)]
        while stack:
            code, d = stack.pop()
            if code in seen:
                continue
            seen.add(code)
            out.append((code, d))
            stack.extend((k, d + 1) for k in reversed(self.kids.get(code, ())))
        return out

    def subtree(self, code: str) -> list[str]:
        """The unit and everything below it, parents before children."""
        return [c for c, _ in self.walk([code])]

    def order(self) -> list[tuple[str, int]]:
        """Every unit with its depth, roots first, each followed by its children (a select list)."""
        return self.walk(self.roots())

    def below(self, wanted: Iterable[str]) -> list[str]:
        """The wanted units that exist and everything below them, in code order."""
        return sorted({c for c, _ in self.walk([u for u in wanted if u in self.parent_of])})

    def ancestors(self, code: str) -> list[str]:
        """The units above `code`, its parent first."""
        out: list[str] = []
        up = self.parent_of.get(code, "")
        while up in self.parent_of and up not in out and up != code:
            out.append(up)
            up = self.parent_of[up]
        return out

    def depth(self, code: str) -> int:
        return len(self.ancestors(code))


def subtree(units: pd.DataFrame, code: str) -> list[str]:
    """The unit and everything below it, parents before children."""
    return UnitTree.of(units).subtree(code)


def tree_order(units: pd.DataFrame) -> list[tuple[str, int]]:
    """Every unit with its depth, roots first, each followed by its children (a select list)."""
    return UnitTree.of(units).order()


def default_scope(units: pd.DataFrame, busiest_parent: str | None) -> str | None:
    """The unit a committee most likely wants first: the one whose units below report the most
    figures (a province over its districts and blocs); else the first root."""
    if units.empty:
        return None
    if busiest_parent is not None and busiest_parent in set(units["unit_code"]):
        return busiest_parent
    return tree_order(units)[0][0]


def row_units(units: pd.DataFrame, scope: str | None, kind: str = "") -> list[str]:
    """The units a page compares: the scope's direct children, or with a kind every unit of that
    kind below the scope; a unit with nothing below it is its own only row."""
    if scope is None or scope not in set(units["unit_code"]):
        return []
    tree = UnitTree.of(units)
    if kind:
        kinds = units.set_index("unit_code")["kind"]
        return [c for c in tree.subtree(scope) if kinds.get(c) == kind]
    return tree.children(scope) or [scope]
