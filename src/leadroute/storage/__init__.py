"""Storage of leads, owners and routing state: an in-memory twin (tests, replay, simulation)."""

# Every table module registers on `tables.Base.metadata` when imported; importing them with the
# package keeps the metadata whole wherever it is read (Alembic, the schema drift test).
from leadroute.storage import access_tables as access_tables
from leadroute.storage import outbox_tables as outbox_tables
