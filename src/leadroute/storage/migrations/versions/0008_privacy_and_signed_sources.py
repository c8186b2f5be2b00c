"""Security: intake sources that sign their requests (HMAC), and erased leads (tombstones)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_sources",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("require_signature", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    with op.batch_alter_table("leads") as leads:
        leads.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("leads") as leads:
        leads.drop_column("erased_at")
    op.drop_table("intake_sources")
