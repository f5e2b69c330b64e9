"""The midterm meeting pack: chart files, a slide deck, a Word annex and draft, an Excel workbook.

No Streamlit here. `monitor.export.pack.export_pack` writes everything (`python -m monitor export`);
a page offers a download of its own selection with the pieces: `model.from_frames` for the data, then
`pptx.deck_bytes`, `docx.annex_bytes` / `docx.draft_bytes`, `xlsx.workbook_bytes`, `charts.render`, and
`draft.draft_text` for the Unit page's draft. This module stays light: the CLI reads FORMATS from it.
"""

FORMATS = ("pptx", "docx", "xlsx", "png", "svg", "pdf")
IMAGE_FORMATS = ("png", "svg", "pdf")
