"""qualification, duplicates, accounts: lead grade/reason/match keys, activities, accounts
(and routing_state.accounts_revision, raised by every change to accounts)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import leadroute.storage.tables

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TIME = leadroute.storage.tables.UtcDateTime(timezone=True)
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Plain ADD COLUMN: SQLite adds in place (a batch copy of `leads` trips its foreign keys).
    for column in (
        sa.Column("grade", sa.String(length=40), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("email_key", sa.String(length=320), nullable=True),
        sa.Column("phone_key", sa.String(length=40), nullable=True),
        sa.Column("company_key", sa.String(length=600), nullable=True),
        sa.Column("duplicate_of", sa.String(length=64), nullable=True),
        sa.Column("account_id", sa.String(length=64), nullable=True),
    ):
        op.add_column("leads", column)
    op.create_index("ix_leads_email_key", "leads", ["email_key"])
    op.create_index("ix_leads_phone_key", "leads", ["phone_key"])
    op.create_index("ix_leads_company_key", "leads", ["company_key"])
    op.create_table(
        "activities",
        sa.Column("id", _ID, nullable=False),
        sa.Column("lead_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_activities_lead", "activities", ["lead_id", "at"])
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_key", sa.String(length=300), nullable=False),
        sa.Column("domains", sa.JSON(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    op.create_index("ix_accounts_name_key", "accounts", ["name_key"])
    op.add_column(
        "routing_state",
        sa.Column(
            "accounts_revision", sa.BigInteger(), nullable=False, server_default=sa.text("0")
        ),
    )
    op.create_table(
        "account_domains",
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("domain"),
    )


def downgrade() -> None:
    op.drop_table("account_domains")
    op.drop_column("routing_state", "accounts_revision")
    op.drop_index("ix_accounts_name_key", table_name="accounts")
    op.drop_table("accounts")
    op.drop_index("ix_activities_lead", table_name="activities")
    op.drop_table("activities")
    op.drop_index("ix_leads_company_key", table_name="leads")
    op.drop_index("ix_leads_phone_key", table_name="leads")
    op.drop_index("ix_leads_email_key", table_name="leads")
    for name in (
        "account_id", "duplicate_of", "company_key", "phone_key", "email_key",
        "status_reason", "grade",
    ):  # fmt: skip
        op.drop_column("leads", name)
