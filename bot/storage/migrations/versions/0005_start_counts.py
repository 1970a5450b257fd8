"""Starts through deep links (QR posters), counted per week and link: no chat id anywhere.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """One new table; nothing existing changes."""
    op.create_table(
        "start_counts",
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("area", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("campaign", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "week", "area", "language", "campaign", name=op.f("pk_start_counts")
        ),
    )


def downgrade() -> None:
    """Drop the counts."""
    op.drop_table("start_counts")
