"""top_performer with `by`, bandit and optimal, on the engine with an in-memory ledger."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import count
from random import Random

from leadroute.domain.leads import Lead
from leadroute.routing.batch_plan import BatchPlan, plan_batch
from leadroute.routing.engine import Router
from leadroute.routing_file.loading import parse_routing_text
from leadroute.storage.memory import MemoryStore

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # a Monday
_ids = count()


def router(assign: str, reps: dict[str, str] | None = None) -> Router:
    """One rule over team sales; `reps`: id -> extra keys of the rep (e.g. its caps)."""
    rep_lines = "".join(
        f"  - {{id: {rep}, teams: [sales]{', ' + extra if extra else ''}}}\n"
        for rep, extra in (reps or {"ana": "", "bo": ""}).items()
    )
    text = (
        "timezone: UTC\nreps:\n"
        + rep_lines
        + f"routing:\n  - name: learned\n    assign: {{team: sales, {assign}}}\n"
    )
    return Router(parse_routing_text(text, source="test"))


def lead(industry: str, **more: object) -> Lead:
    lead_id = f"L{next(_ids)}"
    return Lead(id=lead_id, received_at=START, fields={"id": lead_id, "industry": industry, **more})


def track(store: MemoryStore, rep: str, industry: str, won: int, lost: int) -> None:
    for result in [True] * won + [False] * lost:
        store.record_track(
            rep, won=result, at=START - timedelta(days=30), fields={"industry": industry}
        )


def specialists() -> MemoryStore:
    """ana converts retail, bo converts saas; ana has the better record overall."""
    store = MemoryStore()
    track(store, "ana", "retail", 40, 10)
    track(store, "ana", "saas", 3, 12)
    track(store, "bo", "retail", 5, 15)
    track(store, "bo", "saas", 12, 3)
    return store


def choose(route: Router, store: MemoryStore, item: Lead, seed: int = 1) -> str | None:
    decision = route.route(item, now=START, ledger=store, rng=Random(seed))
    store.record_decision(item, decision, START)
    return decision.rep


def test_top_performer_by_segment_finds_the_specialist_the_flat_record_hides() -> None:
    store = specialists()
    by_industry = router("select: top_performer, by: [industry]")
    flat = router("select: top_performer")
    assert choose(by_industry, store, lead("saas")) == "bo"
    assert choose(by_industry, store, lead("retail")) == "ana"
    assert choose(flat, store, lead("saas")) == "ana"  # 43 won of 65 beats 17 of 35


def test_top_performer_explains_the_segment_rate() -> None:
    decision = router("select: top_performer, by: [industry]").route(
        lead("saas"), now=START, ledger=specialists(), rng=Random(1)
    )
    assert "top performer for industry=saas" in decision.summary()
    assert "12 won, 3 lost in industry=saas; 17 won, 18 lost in all" in decision.summary()


def test_bandit_mostly_exploits_still_explores_and_repeats_with_the_seed() -> None:
    route = router("select: bandit, by: [industry]")
    picks = [
        route.route(lead("saas"), now=START, ledger=specialists(), rng=Random(seed)).rep
        for seed in range(400)
    ]
    counts = Counter(picks)
    assert counts["bo"] > 300  # posterior means 0.74 vs 0.25: bo wins most draws
    assert counts["ana"] > 0  # but not all: ana's posterior still has mass above bo's draws
    again = [
        route.route(lead("saas"), now=START, ledger=specialists(), rng=Random(seed)).rep
        for seed in range(400)
    ]
    assert again == picks


def test_bandit_min_share_gives_a_new_rep_leads_to_prove_themselves() -> None:
    """cy has no record; with min_share 10% over the window cy still gets a tenth of them."""
    store = specialists()
    route = router(
        "select: bandit, by: [industry], min_share: 0.1, share_window: 30d",
        reps={"ana": "", "bo": "", "cy": ""},
    )
    picks = Counter(choose(route, store, lead("saas"), seed=i) for i in range(60))
    assert picks["cy"] >= 6
    assert picks["bo"] > picks["ana"]


def test_bandit_never_passes_a_cap() -> None:
    store = specialists()
    route = router("select: bandit, by: [industry]", reps={"ana": "", "bo": "caps: {day: 3}"})
    picks = Counter(choose(route, store, lead("saas"), seed=i) for i in range(20))
    assert picks["bo"] == 3
    assert picks["ana"] == 17


def test_optimal_alone_takes_the_best_value_within_the_band() -> None:
    store = specialists()
    route = router("select: optimal, by: [industry], max_share: 0.5, share_window: 30d")
    picks = [choose(route, store, lead("saas")) for _ in range(6)]
    assert picks[0] == "bo"
    assert Counter(picks) == {"bo": 3, "ana": 3}  # bo may hold at most half of the rule's leads
    decision = route.route(lead("saas"), now=START, ledger=store, rng=Random(1))
    assert "optimal alone" in decision.summary()


def test_an_optimal_batch_uses_comparative_advantage_where_greedy_does_not() -> None:
    """ana is better at both kinds but has room for one lead. Greedy, in arrival order, gives
    her the saas lead (0.75 against bo's 0.70) and bo the retail one (0.25); the batch gives
    her retail, where her edge is largest (0.89 against 0.25), and bo saas."""

    def history() -> MemoryStore:
        store = MemoryStore()
        track(store, "ana", "saas", 30, 10)
        track(store, "ana", "retail", 40, 5)
        track(store, "bo", "saas", 28, 12)
        track(store, "bo", "retail", 10, 30)
        return store

    capped = {"ana": "caps: {day: 1}", "bo": ""}
    batch = [lead("saas"), lead("retail")]
    greedy, greedy_store = router("select: top_performer, by: [industry]", capped), history()
    assert [choose(greedy, greedy_store, item) for item in batch] == ["ana", "bo"]
    route, store = router("select: optimal, by: [industry]", capped), history()
    plan = plan_batch(route, batch, now=START, ledger=store)
    placed = [choose_in(route, store, item, plan) for item in batch]
    assert placed == ["bo", "ana"]
    decision = route.route(lead("saas"), now=START, ledger=history(), rng=Random(1), batch=plan)
    assert decision.rep is not None


def choose_in(route: Router, store: MemoryStore, item: Lead, plan: BatchPlan) -> str | None:
    decision = route.route(item, now=START, ledger=store, rng=Random(1), batch=plan)
    store.record_decision(item, decision, START)
    assert "optimal batch of 2" in decision.summary()
    return decision.rep
