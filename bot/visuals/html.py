"""HTML pieces the staff report is built of (bot/visuals/report.py, bot/visuals/feedback.py)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def table(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    name: str,
    *,
    text_columns: int = 1,
) -> str:
    """A captioned table; every cell escaped. The first `text_columns` columns are words, the
    rest numbers (right-aligned, class=number)."""
    head = "".join(
        f'<th scope="col"{" class=number" if i >= text_columns else ""}>{escape(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "\n".join(
        "<tr>"
        + "".join(
            f"<td{' class=number' if i >= text_columns else ''}>{escape(str(cell))}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<table id="{name}">\n<caption>{escape(title)}</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"
    )
