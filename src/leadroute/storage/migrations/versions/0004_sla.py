"""SLA: when the lead's first owner's clock started, how often it was re-assigned, and the
owners it had (re-assignment never goes back to the last few)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import leadroute.storage.tables

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TIME = leadroute.storage.tables.UtcDateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMN, as in 0003: SQLite adds in place.
    op.add_column("leads", sa.Column("sla_started_at", _TIME, nullable=True))
    op.add_column(
        "leads",
        sa.Column("reassignments", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.add_column("leads", sa.Column("past_owners", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("past_owners")
        batch.drop_column("reassignments")
        batch.drop_column("sla_started_at")
