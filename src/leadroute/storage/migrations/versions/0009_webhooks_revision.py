"""Performance: routing_state.webhooks_revision, raised by every change to webhooks, so each
process keeps the active subscriptions between commits

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("routing_state") as state:
        state.add_column(
            sa.Column(
                "webhooks_revision", sa.BigInteger(), nullable=False, server_default=sa.text("0")
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("routing_state") as state:
        state.drop_column("webhooks_revision")
