"""Experiments: the A/B experiment a lead takes part in and its arm

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("leads", sa.Column("experiment", sa.String(200), nullable=True))
    op.add_column("leads", sa.Column("arm", sa.String(20), nullable=True))
    op.create_index("ix_leads_experiment", "leads", ["experiment", "arm"])


def downgrade() -> None:
    op.drop_index("ix_leads_experiment", table_name="leads")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("arm")
        batch.drop_column("experiment")
