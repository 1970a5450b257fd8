"""Questions: a covering index on (asked_at, answered, topic) for /stats, replacing (asked_at).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The composite index serves every query the old one did (it starts with asked_at)."""
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questions_asked_at_answered_topic"),
            ["asked_at", "answered", "topic"],
            unique=False,
        )
        batch_op.drop_index(batch_op.f("ix_questions_asked_at"))


def downgrade() -> None:
    """Back to the single-column index."""
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_questions_asked_at"), ["asked_at"], unique=False)
        batch_op.drop_index(batch_op.f("ix_questions_asked_at_answered_topic"))
