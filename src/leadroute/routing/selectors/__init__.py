"""The selector registry: how one rep is chosen among eligible candidates."""

from __future__ import annotations

from leadroute.routing.selectors.bandit import Bandit
from leadroute.routing.selectors.base import Choice, Selection, Selector
from leadroute.routing.selectors.hunt import Hunt
from leadroute.routing.selectors.least_loaded import LeastLoaded
from leadroute.routing.selectors.optimal import Optimal
from leadroute.routing.selectors.random_pick import RandomPick
from leadroute.routing.selectors.round_robin import RoundRobin
from leadroute.routing.selectors.top_performer import TopPerformer
from leadroute.routing.selectors.weighted import Weighted

SELECTORS: dict[str, Selector] = {}


def register_selector(name: str, selector: Selector) -> None:
    """Add a selector under a new name; a name may be registered once."""
    if name in SELECTORS:
        raise ValueError(f"selector {name!r} is registered twice")
    SELECTORS[name] = selector


register_selector("round_robin", RoundRobin())
register_selector("weighted", Weighted())
register_selector("least_loaded", LeastLoaded())
register_selector("top_performer", TopPerformer())
register_selector("hunt", Hunt())
register_selector("random", RandomPick())
register_selector("bandit", Bandit())
register_selector("optimal", Optimal())

__all__ = ["SELECTORS", "Choice", "Selection", "Selector", "register_selector"]
