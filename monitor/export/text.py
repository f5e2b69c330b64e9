"""The pack's words (strings.yaml beside this file) and the few text helpers the writers share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.i18n import lang_of, load_strings

STRINGS_PATH = Path(__file__).resolve().parent / "strings.yaml"
# Office files are drawn by the reader's Office, not here: these fonts carry Vietnamese on Windows and
# macOS, and Linux maps them to Liberation Serif / Sans, which carry it too. Times New Roman is what
# Vietnamese administrative documents use (Nghị định 30/2020/NĐ-CP).
DOC_FONT = "Times New Roman"
SLIDE_FONT = "Arial"


def tx(key: str, lang: str = "vi", **fill: Any) -> str:
    """The pack's text for `key` in `lang`, placeholders filled. An unknown key raises KeyError."""
    text = load_strings(str(STRINGS_PATH))[key][lang_of(lang)]
    return text.format(**fill) if fill else text


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
