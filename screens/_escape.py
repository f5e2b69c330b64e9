"""How text from outside (a file, a URL, the database, a user) is shown as itself in Markdown."""

from __future__ import annotations

import re
from typing import Any


def esc(text: Any) -> str:
    """Text from a file, a URL, the database or a user, made literal inside Markdown (st.markdown,
    st.caption, st.error…): every character Markdown or Streamlit could read as inline syntax is
    backslash-escaped (emphasis, links, HTML, `:colour[…]`, emoji, `$maths$`), line breaks become
    spaces, and a heading or list marker at the start is escaped too."""
    one_line = " ".join(str(text).splitlines())
    inline = _MD_INLINE.sub(r"\\\g<0>", one_line)
    inline = _MD_UNDERSCORE.sub(r"\\_", inline)
    inline = _MD_WWW.sub(r"\1\\.", inline)
    # Streamlit links bare addresses whatever the escapes: an invisible word joiner after the scheme,
    # the www or the @ keeps them plain text.
    inline = _LINKISH.sub("\\g<0>\u2060", inline).replace("\\@", "\\@\u2060")
    return _MD_START.sub(r"\1\\\2", inline, count=1)


_MD_INLINE = re.compile(r"[\\`*\[\]<>|~$:&@]")
# An underscore between two letters or digits (drop_table) cannot start or end emphasis: left as is.
_MD_UNDERSCORE = re.compile(r"_(?![^\W_])|(?<![^\W_])_")
_MD_WWW = re.compile(r"(?i)\b(www)\.")  # GFM links a bare www.… even without a scheme
_LINKISH = re.compile(r"(?i)\b(?:https?|ftp|mailto|www)(?=\\[:.])")
_MD_START = re.compile(r"^(\s*\d*)([#+=-]|(?<=\d)[.)])")
