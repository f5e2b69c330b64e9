"""Numbers as Vietnamese reports write them, and as machines write them.

Reports write `3.577` for three thousand five hundred seventy-seven and `99,74%` for 99.74 percent.
Every reader turns a cell into *machine text* (`3577`, `99.74`) so that the number of decimals the
source gave is kept: a stated `96,5%` is checked against counts to one decimal, not to fifteen.
"""

from __future__ import annotations

import math
import re

_VI_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")  # 3.577 / 109.426 / 1.234,5
_VI_PLAIN = re.compile(r"^[+-]?\d+(?:,\d+)?$")  # 99,74 / 4 / 0,5
_MACHINE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_QUALIFIER_WORDS = {
    ">": ("trên", "hơn", "over", "more than", ">", "≥", ">="),
    "<": ("dưới", "under", "less than", "<", "≤", "<="),
    "~": ("khoảng", "gần", "xấp xỉ", "về", "about", "approximately", "~", "≈"),
}


class NumberFormatError(ValueError):
    """The text is not a number in either the Vietnamese or the machine form."""


def vi_to_machine(text: str) -> str:
    """Vietnamese-written number text → machine text, keeping the stated decimals.

    '3.577' → '3577'; '99,74%' → '99.74'; '1.234,5' → '1234.5'; '96.5' (a machine number typed into
    a text cell: a dot not followed by groups of three digits) → '96.5'.
    """
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if s.endswith("%"):
        s = s[:-1]
    if _VI_GROUPED.match(s):
        return s.replace(".", "").replace(",", ".")
    if _VI_PLAIN.match(s):
        return s.replace(",", ".")
    if _MACHINE.match(s):
        return s
    raise NumberFormatError(f"'{text}' is not a number (expected e.g. 3.577, 99,74 or 99,74%)")


def float_to_machine(value: float) -> str:
    """A float from a numeric cell → the shortest text that reads back to it; 31.0 → '31'."""
    if not math.isfinite(value):
        return repr(value)
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = format(value, "f")
    return text[:-2] if text.endswith(".0") else text


def decimals_of(machine_text: str) -> int:
    """How many decimals the source stated: '96.5' → 1, '31' → 0, '0.04' → 2."""
    s = machine_text.strip()
    return len(s.split(".", 1)[1]) if "." in s and "e" not in s.lower() else 0


def split_qualifier(text: str) -> tuple[str, str]:
    """'trên 90%' → ('>', '90%'); '~ 693' → ('~', '693'); '96,5' → ('', '96,5')."""
    s = text.strip()
    low = s.lower()
    for qualifier, words in _QUALIFIER_WORDS.items():
        for w in sorted(words, key=len, reverse=True):
            if low.startswith(w):
                return qualifier, s[len(w):].strip()
    return "", s


_VI_MARKS = str.maketrans({",": ".", ".": ","})


def machine_to_vi(machine_text: str) -> str:
    """Machine text → the Vietnamese way, decimals kept, read back by vi_to_machine to the same text:
    '3577' → '3.577'; '99.74' → '99,74'; '0.5' → '0,5'. Text that is no plain number is returned as it is."""
    s = machine_text.strip()
    if not _MACHINE.match(s) or "e" in s.lower():
        return machine_text
    value = float(s)
    return f"{value:,.{decimals_of(s)}f}".translate(_VI_MARKS)


# -- the English way (stop 16: the officer's figures on an English page) ------------------------------------
_EN_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")  # 3,577 / 1,234.5


def machine_to_en(machine_text: str) -> str:
    """Machine text → the English way, decimals kept: '3577' → '3,577'; '99.74' → '99.74'. Text that is no
    plain number is returned as it is."""
    s = machine_text.strip()
    if not _MACHINE.match(s) or "e" in s.lower():
        return machine_text
    return f"{float(s):,.{decimals_of(s)}f}"


def en_to_machine(text: str) -> str:
    """English-written number text → machine text: '3,577' → '3577'; '1,234.5' → '1234.5'; '96.5%' → '96.5'.
    A comma is only ever a thousands separator ('96,5' is refused: in English it is no number)."""
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if s.endswith("%"):
        s = s[:-1]
    if _EN_GROUPED.match(s):
        return s.replace(",", "")
    if _MACHINE.match(s):
        return s
    raise NumberFormatError(f"'{text}' is not a number (expected e.g. 3,577, 99.74 or 99.74%)")


def machine_to(machine_text: str, lang: str) -> str:
    """Machine text the reader's way: Vietnamese for 'vi', English otherwise."""
    return machine_to_vi(machine_text) if lang == "vi" else machine_to_en(machine_text)


def to_machine(text: str, lang: str) -> str:
    """Text typed the reader's way (Vietnamese for 'vi', English otherwise) → machine text."""
    return vi_to_machine(text) if lang == "vi" else en_to_machine(text)
