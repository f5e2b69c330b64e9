"""The overview's status grid as an HTML table (monitor.status_html): cells, colours, escaping, what a click carries."""

from __future__ import annotations

import pandas as pd

from core.i18n import STATUS_STYLE
from monitor.status_html import heatmap_html


def _grid(**over: list) -> pd.DataFrame:
    frame = {
        "unit_code": ["A", "A", "B"], "indicator": ["i1", "i2", "i1"],
        "column_full": ["Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên, %", "Số đảng viên mới", "Tỷ lệ đảng viên "
                        "hoàn thành tốt nhiệm vụ trở lên, %"],
        "status": ["achieved", "accelerate", "no_data"], "cell": ["96,6 ✔", "40 ⚠", "—"],
        "hover": ["<b>Huyện A</b><br>Mức chỉ tiêu: ≥ 80%", "<b>Huyện A</b><br>Mức chỉ tiêu: &gt; 600", "c"],
        "order": [0, 1, 0]}
    return pd.DataFrame(frame | over)


def test_rows_columns_cells_and_legend() -> None:
    html = heatmap_html(_grid(), rows=["B", "A", "X"], row_names={"A": "Huyện A", "B": "Huyện B"}, lang="vi",
                        label="Bảng nhiệt")
    assert html.startswith('<div class="scorecard" lang="vi"><div class="scroll"><table aria-label="Bảng nhiệt">')
    # columns in the resolution's order, named whole without the 'Tỷ lệ …, %' wrapper, the full name in the tooltip
    assert ('<th scope="col" title="Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên, %"><span>Đảng viên hoàn '
            'thành tốt nhiệm vụ trở lên</span></th><th scope="col" title="Số đảng viên mới"><span>Đảng viên mới'
            '</span></th>') in html
    # rows in the order asked for; X has no cell and no row; B has no i2 target: an empty cell, not clickable
    b = '<th scope="row"><button type="button" data-unit="B" title="Xem chi tiết đơn vị: Huyện B">Huyện B</button></th>'
    assert html.index(b) < html.index('data-unit="A" title="Xem chi tiết đơn vị: Huyện A">Huyện A</button>')
    assert 'data-unit="X"' not in html
    green, amber = STATUS_STYLE["achieved"]["color"], STATUS_STYLE["accelerate"]["color"]
    assert (f'<td style="background:{green};color:#000000" title="Huyện A\nMức chỉ tiêu: ≥ 80%" data-unit="A" '
            f'data-indicator="i1">96,6 ✔</td><td style="background:{amber};color:#000000" '
            f'title="Huyện A\nMức chỉ tiêu: &gt; 600" data-unit="A" data-indicator="i2">40 ⚠</td>') in html
    assert '>—</td><td class="none"></td></tr>' in html
    chip = ('<span class="chip" style="background:{};color:{};padding:1px 6px;border-radius:3px;'
            'border:1px solid #888;margin-right:4px;white-space:nowrap" title="{}">{}</span>')
    # each status with how it was decided in its tooltip
    assert html.endswith('<div class="legend">' + " ".join([
        chip.format("#009E73", "#000000", "Số liệu năm gần nhất đạt chỉ tiêu (chỉ tiêu hằng năm: đạt mọi năm đã đánh "
                    "giá).", "✔ Đạt"),
        chip.format("#E69F00", "#000000", "Chỉ tiêu đến hạn: xu hướng hiện nay chỉ đi được 10–95% quãng đường cần, "
                    "phải đẩy nhanh.", "⚠ Cần đẩy nhanh"),
        chip.format("#EEEEEE", "#555555", "Chưa có số liệu của năm nào trong nhiệm kỳ.", "— Chưa có số liệu")])
        + '</div></div>')


def test_figures_to_verify_and_the_disputed_mark_in_the_legend() -> None:
    grid = _grid(status=["to_verify", "achieved", "no_data"], cell=["100,6 ⁉", "40 ✔ ⚑", "—"],
                 disputed=[True, True, False])
    html = heatmap_html(grid, rows=["A", "B"], row_names={}, lang="vi", label="Bảng nhiệt")
    yellow = STATUS_STYLE["to_verify"]["color"]
    assert yellow == "#F0E442" and yellow not in {s["color"] for k, s in STATUS_STYLE.items() if k != "to_verify"}
    assert f'<td style="background:{yellow};color:#000000"' in html and ">100,6 ⁉</td>" in html
    assert ">⁉ Cần xác minh số liệu</span>" in html
    assert ('<span class="chip mark" style="background:#FFFFFF;color:#000000;padding:1px 6px;border-radius:3px;'
            'border:1px solid #888;margin-right:4px;white-space:nowrap" title="Báo cáo tự mâu thuẫn ở số liệu này, '
            'nhưng mọi cách đọc đều cho cùng kết luận; vẫn nên xác minh.">⚑ số liệu báo cáo tự mâu thuẫn, mọi cách '
            'đọc cho cùng kết luận</span></div></div>') in html
    # no mark in the legend when no figure is disputed
    assert "chip mark" not in heatmap_html(_grid(disputed=[False] * 3), rows=["A"], row_names={}, lang="vi")


def test_text_from_the_database_is_escaped() -> None:
    evil = '<img src=x onerror="alert(1)">'
    grid = _grid(unit_code=[evil, evil, "B"], hover=[f"<b>{evil}</b>", "x", "y"])
    html = heatmap_html(grid, rows=[evil, "B"], row_names={evil: evil, "B": '"B" & co'}, lang="en")
    assert "<img" not in html
    assert 'data-unit="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"' in html
    assert "&quot;B&quot; &amp; co</button>" in html
    assert ">Unit</th>" in html and "✔ Achieved" in html
