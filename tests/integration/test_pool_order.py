"""The database takes pooled leads in the same order as the engine's `next_in_pool`: one
definition (routing/pools.py ORDER_KEYS), two readers, checked on random queues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from leadroute.domain.pools import PoolOrder
from leadroute.routing.pools import Waiting, next_in_pool
from leadroute.storage.database import Database, connect
from leadroute.storage.migrations.runner import upgrade
from leadroute.storage.pools import waiting_leads
from leadroute.storage.tables import LeadRow

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)

queues = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=6),  # minutes after T0 the lead was received
        st.one_of(st.none(), st.sampled_from([0.0, 10.0, 10.0, 55.5, 90.0])),  # score
    ),
    min_size=1,
    max_size=12,
)


@pytest.fixture
def database(database_url: str) -> Database:
    db = connect(database_url)
    upgrade(db)
    return db


@pytest.mark.parametrize("order", list(PoolOrder), ids=[o.value for o in PoolOrder])
def test_database_pulls_the_lead_the_engine_would(database: Database, order: PoolOrder) -> None:
    @settings(max_examples=25, deadline=None, derandomize=True)
    @given(queue=queues)
    def check(queue: list[tuple[int, float | None]]) -> None:
        waiting: list[Waiting] = []
        with database.writing() as session:
            session.execute(delete(LeadRow))
            # Entered in an order unrelated to arrival, so fifo and oldest_first differ.
            for entered, (minutes, score) in reversed(list(enumerate(queue, start=1))):
                received = T0 + timedelta(minutes=minutes)
                lead_id = f"L{entered:03d}"
                session.add(
                    LeadRow(
                        id=lead_id,
                        received_at=received,
                        fields={},
                        raw={},
                        issues=[],
                        custom=[],
                        status="routed",
                        pool="p",
                        pool_entered=entered,
                        pooled_at=received,
                        score=score,
                        updated_at=received,
                    )
                )
                waiting.append(
                    Waiting(
                        lead_id=lead_id,
                        entered=entered,
                        received_at=received,
                        score=score if score is not None else 0.0,
                    )
                )
        with database.reading() as session:
            in_order = [row.id for row in waiting_leads(session, "p", order, limit=100)]
        expected = next_in_pool(waiting, order)
        assert expected is not None
        assert in_order[0] == expected.lead_id
        # The whole queue agrees too: pull one at a time in memory.
        remaining, pulled = list(waiting), []
        while remaining:
            taken = next_in_pool(remaining, order)
            assert taken is not None
            pulled.append(taken.lead_id)
            remaining.remove(taken)
        assert in_order == pulled

    try:
        check()
    finally:
        database.dispose()
