"""Answers and residents' votes on them (👍/👎), and an index for conversations per week.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """One new table with its covering index; one more index on questions."""
    op.create_table(
        "answers",
        sa.Column("id", BigId, nullable=False),
        sa.Column("token", sa.String(length=16), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("vote", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint("language IN ('sv', 'en')", name=op.f("ck_answers_language")),
        sa.CheckConstraint("via IN ('text', 'suggested', 'menu')", name=op.f("ck_answers_via")),
        sa.CheckConstraint("vote IS NULL OR vote IN (1, -1)", name=op.f("ck_answers_vote")),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["residents.chat_id"],
            name=op.f("fk_answers_chat_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint("token", name=op.f("uq_answers_token")),
    )
    op.create_index(
        op.f("ix_answers_day_topic_via_vote"),
        "answers",
        ["day", "topic", "via", "vote"],
        unique=False,
    )
    op.create_index(op.f("ix_answers_chat_id"), "answers", ["chat_id"], unique=False)
    op.create_index(
        op.f("ix_questions_asked_at_chat_id"), "questions", ["asked_at", "chat_id"], unique=False
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_index(op.f("ix_questions_asked_at_chat_id"), table_name="questions")
    op.drop_index(op.f("ix_answers_chat_id"), table_name="answers")
    op.drop_index(op.f("ix_answers_day_topic_via_vote"), table_name="answers")
    op.drop_table("answers")
