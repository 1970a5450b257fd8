"""HTML pieces the staff report is built of (bot/visuals/report.py, bot/visuals/feedback.py)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]], name: str) -> str:
    """A captioned table; every cell escaped, the columns after the first numbers."""
    head = "".join(
        f'<th scope="col"{" class=number" if i else ""}>{escape(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "\n".join(
        "<tr>"
        + "".join(
            f"<td{' class=number' if i else ''}>{escape(str(cell))}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<table id="{name}">\n<caption>{escape(title)}</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"
    )
