from datetime import UTC, datetime, timedelta

import pytest

from leadroute.domain.decisions import Decision, Said
from leadroute.geo import language_code
from leadroute.normalize import lead_from_payload
from leadroute.storage.memory import MemoryStore

START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def _assign(store: MemoryStore, lead_id: str, rep: str, at: datetime) -> None:
    lead = lead_from_payload({}, lead_id=lead_id, received_at=at)
    decision = Decision(lead_id=lead_id, rep=rep, pool=None, rule="r", summary=Said(""), steps=())
    store.record_decision(lead, decision, at)


def test_a_lead_counts_once_in_win_loss_records_and_a_later_result_corrects_it() -> None:
    store = MemoryStore()
    _assign(store, "L1", "ana", START)
    for result in ("won", "won", "won"):
        store.record_outcome("L1", result, START + timedelta(hours=1))
    assert store.outcomes_since("ana", None) == (1, 0)
    store.record_outcome("L1", "lost", START + timedelta(hours=2))
    assert store.outcomes_since("ana", None) == (0, 1)
    store.record_outcome("L1", "qualified", START + timedelta(hours=3))
    assert store.outcomes_since("ana", None) == (0, 0)
    assert store.open_count("ana") == 1


def test_outcomes_since_only_counts_results_recorded_in_the_window() -> None:
    store = MemoryStore()
    _assign(store, "L1", "ana", START)
    _assign(store, "L2", "ana", START)
    store.record_outcome("L1", "won", START + timedelta(days=1))
    store.record_outcome("L2", "lost", START + timedelta(days=40))
    assert store.outcomes_since("ana", START + timedelta(days=30)) == (0, 1)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("pt-BR", "pt"),
        ("en_US", "en"),
        ("es", "es"),
        ("Spanish", "es"),
        ("ko", "ko"),
        ("spa", "es"),
    ],
)
def test_language_names_codes_and_locale_tags_normalise_to_iso_639_1(
    written: str, code: str
) -> None:
    assert language_code(written) == code
