"""The one walk of the unit tree (monitor.unit_tree): the orders every page, export and sum relies on."""

from __future__ import annotations

import pandas as pd

from monitor.attainment import _tree
from monitor.unit_tree import UnitTree, default_scope, row_units, subtree, tree_order

# P has B and A (given out of order), A has A2 and A1; Q is a second root; R's parent is no unit.
UNITS = pd.DataFrame({
    "unit_code": ["B", "P", "A2", "Q", "A", "R", "A1"],
    "parent_code": ["P", "", "A", "", "P", "GONE", "A"],
    "kind": ["bloc", "province", "commune", "province", "district", "district", "commune"],
})


def test_children_subtree_and_order_are_in_code_order_parents_first() -> None:
    tree = UnitTree.of(UNITS)
    assert tree.children("P") == ["A", "B"]
    assert tree.children("B") == []
    assert tree.roots() == ["P", "Q", "R"]
    assert tree.subtree("P") == ["P", "A", "A1", "A2", "B"]
    assert tree.subtree("Z") == ["Z"]  # a code that is no unit is its own only member
    assert tree.order() == [("P", 0), ("A", 1), ("A1", 2), ("A2", 2), ("B", 1), ("Q", 0), ("R", 0)]
    assert subtree(UNITS, "A") == ["A", "A1", "A2"]
    assert tree_order(UNITS) == tree.order()


def test_below_ancestors_and_depth() -> None:
    tree = UnitTree.of(UNITS)
    assert tree.below(["B", "A", "X"]) == ["A", "A1", "A2", "B"]
    assert tree.below([]) == []
    assert tree.ancestors("A1") == ["A", "P"]
    assert tree.ancestors("R") == []
    assert [tree.depth(c) for c in ("P", "A", "A2", "R")] == [0, 1, 2, 0]


def test_a_cycle_is_walked_once() -> None:
    tree = UnitTree.of_pairs(["X", "Y"], ["Y", "X"])  # the load refuses it; a walk still ends
    assert tree.roots() == []
    assert tree.subtree("X") == ["X", "Y"]
    assert tree.ancestors("X") == ["Y"]


def test_the_rows_a_page_compares_and_its_first_scope() -> None:
    assert row_units(UNITS, "P") == ["A", "B"]
    assert row_units(UNITS, "P", kind="commune") == ["A1", "A2"]
    assert row_units(UNITS, "B") == ["B"]
    assert row_units(UNITS, "Z") == []
    assert default_scope(UNITS, None) == "P"
    assert default_scope(UNITS, "A") == "A"
    assert default_scope(UNITS, "GONE") == "P"


def test_attainment_sums_over_the_same_tree() -> None:
    ordered = UNITS.sort_values("unit_code")  # as attainment reads the units table
    tree = UnitTree.of_pairs(ordered["unit_code"], ordered["parent_code"])
    scope, parent, depth = _tree(tree, ["A"])
    assert scope == ["A", "A1", "A2"]
    assert parent.tolist() == [-1, 0, 0]
    assert depth.tolist() == [1, 2, 2]
    scope, parent, depth = _tree(tree, None)
    assert scope == ["A", "A1", "A2", "B", "P", "Q", "R"]
    assert parent.tolist() == [4, 0, 0, 4, -1, -1, -1]
    assert depth.tolist() == [1, 2, 2, 1, 0, 0, 0]
