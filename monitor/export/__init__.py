"""The midterm meeting pack: chart files, a slide deck, a Word annex and draft, an Excel workbook.

No Streamlit here. `monitor.export.pack.export_pack` writes everything (`python -m monitor export`).
A page offers a download of its own selection: `model.from_frames(...)` for the data it holds, then
`pack.pack_bytes(data, formats)` for one ZIP, or a piece alone: `docx.annex_bytes` / `docx.draft_bytes`,
`xlsx.workbook_bytes`, and `draft.draft_text` for the Unit page's draft as text. This module stays light: the CLI
reads FORMATS from it.
"""

FORMATS = ("pptx", "docx", "xlsx", "png", "svg", "pdf")
IMAGE_FORMATS = ("png", "svg", "pdf")
