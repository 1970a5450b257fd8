"""State shared by every process: ticket drafts, flood counts, the send budget, lost messages.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.storage.columns import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Five new tables; nothing existing changes."""
    op.create_table(
        "ticket_drafts",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("noted_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("token", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_ticket_drafts")),
    )
    op.create_table(
        "flood_messages",
        sa.Column("id", BigId, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flood_messages")),
    )
    op.create_index(
        op.f("ix_flood_messages_chat_id_at"), "flood_messages", ["chat_id", "at"], unique=False
    )
    op.create_table(
        "send_permits",
        sa.Column("id", BigId, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("granted_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_send_permits")),
    )
    op.create_index(
        op.f("ix_send_permits_granted_at"), "send_permits", ["granted_at"], unique=False
    )
    op.create_index(op.f("ix_send_permits_chat_id"), "send_permits", ["chat_id"], unique=False)
    op.create_table(
        "send_waiting",
        sa.Column("holder", sa.String(length=40), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("holder", name=op.f("pk_send_waiting")),
    )
    op.create_table(
        "lost_messages",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "reason", name=op.f("pk_lost_messages")),
    )


def downgrade() -> None:
    """Drop the five tables."""
    op.drop_table("lost_messages")
    op.drop_table("send_waiting")
    op.drop_index(op.f("ix_send_permits_chat_id"), table_name="send_permits")
    op.drop_index(op.f("ix_send_permits_granted_at"), table_name="send_permits")
    op.drop_table("send_permits")
    op.drop_index(op.f("ix_flood_messages_chat_id_at"), table_name="flood_messages")
    op.drop_table("flood_messages")
    op.drop_table("ticket_drafts")
