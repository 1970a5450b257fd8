"""Surveys (issue 18): started surveys, participation apart from the anonymous answers.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.storage.columns import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Four new tables; nothing existing changes."""
    op.create_table(
        "surveys",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("area", sa.String(length=16), nullable=False),
        sa.Column("shape", sa.Text(), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.BigInteger(), nullable=True),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("area IN ('balltorp', 'kallered', 'all')", name=op.f("ck_surveys_area")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    op.create_table(
        "survey_participations",
        sa.Column("survey_id", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("draft", sa.Text(), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["residents.chat_id"],
            name=op.f("fk_survey_participations_chat_id_residents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_participations_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_id", "chat_id", name=op.f("pk_survey_participations")),
    )
    op.create_index(
        op.f("ix_survey_participations_chat_id"),
        "survey_participations",
        ["chat_id"],
        unique=False,
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("survey_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_responses_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
    )
    op.create_index(
        op.f("ix_survey_responses_survey_id"), "survey_responses", ["survey_id"], unique=False
    )
    op.create_table(
        "survey_answers",
        sa.Column("response_id", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("survey_id", sa.String(length=64), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["survey_responses.id"],
            name=op.f("fk_survey_answers_response_id_survey_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "response_id", "question_id", "seq", name=op.f("pk_survey_answers")
        ),
    )
    op.create_index(
        op.f("ix_survey_answers_survey_id_question_id_choice"),
        "survey_answers",
        ["survey_id", "question_id", "choice"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the survey tables (their answers with them)."""
    op.drop_index(op.f("ix_survey_answers_survey_id_question_id_choice"), "survey_answers")
    op.drop_table("survey_answers")
    op.drop_index(op.f("ix_survey_responses_survey_id"), "survey_responses")
    op.drop_table("survey_responses")
    op.drop_index(op.f("ix_survey_participations_chat_id"), "survey_participations")
    op.drop_table("survey_participations")
    op.drop_table("surveys")
