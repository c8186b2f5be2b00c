"""pools, offers, hand-offs: lead pool/offer/hand-off columns, counted assignments, timers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import leadroute.storage.tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TIME = leadroute.storage.tables.UtcDateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of the table): SQLite adds a column in place, and
    # copying `leads` would trip the foreign keys that point at it.
    for column in (
        sa.Column("pooled_at", _TIME, nullable=True),
        sa.Column("claimed_from", sa.String(length=100), nullable=True),
        sa.Column("offered", sa.JSON(), nullable=True),
        sa.Column("qualified_by", sa.String(length=100), nullable=True),
        sa.Column("qualified_at", _TIME, nullable=True),
        sa.Column("last_touched_at", _TIME, nullable=True),
        sa.Column("timers", sa.Integer(), nullable=False, server_default=sa.text("0")),
    ):
        op.add_column("leads", column)
    op.execute("UPDATE leads SET last_touched_at = touched_at")
    op.add_column(
        "assignments",
        sa.Column("counted", sa.Boolean(), nullable=False, server_default=sa.text("true")),
    )
    op.create_table(
        "timers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("lead_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("due_at", _TIME, nullable=False),
        sa.Column("rep_id", sa.String(length=100), nullable=True),
        sa.Column("pool", sa.String(length=100), nullable=True),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("since", _TIME, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("fired_at", _TIME, nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_timers_pending",
            ["due_at"],
            unique=False,
            sqlite_where=sa.text("fired_at IS NULL"),
            postgresql_where=sa.text("fired_at IS NULL"),
        )
        batch_op.create_index("ix_timers_lead", ["lead_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("ix_timers_lead")
        batch_op.drop_index("ix_timers_pending")
    op.drop_table("timers")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("counted")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("timers")
        batch_op.drop_column("last_touched_at")
        batch_op.drop_column("qualified_at")
        batch_op.drop_column("qualified_by")
        batch_op.drop_column("offered")
        batch_op.drop_column("claimed_from")
        batch_op.drop_column("pooled_at")
