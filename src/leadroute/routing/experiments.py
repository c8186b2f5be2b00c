"""A/B experiments of routing: a share of new leads goes through a variant flow of rules instead
of the control flow, the arm chosen by hashing the experiment's name and the lead's id.

The hash makes the split deterministic and sticky: the same lead always lands in the same arm,
in replay, in preview and in the live service, whichever process routes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from leadroute.rules import ALWAYS, Condition

CONTROL, VARIANT = "control", "variant"
ARMS = (CONTROL, VARIANT)
BUCKETS = 10_000


@dataclass(frozen=True, kw_only=True, slots=True)
class Experiment:
    """`split` is the variant's share in percent. `control` and `variant` name flows (the
    main routing is "routing"). Leads received in [start, stop) that match `when` take part."""

    name: str
    control: str
    variant: str
    split: float = 50.0
    start: datetime | None = None
    stop: datetime | None = None
    when: Condition = ALWAYS

    def running(self, now: datetime) -> bool:
        return (self.start is None or self.start <= now) and (self.stop is None or now < self.stop)

    def share(self, arm: str) -> float:
        """The intended share of an arm (0 to 1)."""
        return self.split / 100 if arm == VARIANT else 1 - self.split / 100


@dataclass(frozen=True, kw_only=True, slots=True)
class Placement:
    """Which experiment a lead takes part in, its arm, the flow that routes it, and why."""

    experiment: str
    arm: str
    flow: str
    why: str


def bucket(experiment: str, lead_id: str) -> int:
    """A stable number in [0, BUCKETS) for the pair: the first 8 bytes of a SHA-256."""
    digest = hashlib.sha256(f"{experiment}\x00{lead_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def arm_of(experiment: Experiment, lead_id: str) -> str:
    threshold = round(experiment.split * BUCKETS / 100)
    return VARIANT if bucket(experiment.name, lead_id) < threshold else CONTROL


def place_in_experiment(
    experiments: Sequence[Experiment],
    lead_id: str,
    fields: Mapping[str, object],
    now: datetime,
) -> Placement | None:
    """The first running experiment whose `when` the lead matches, with the lead's arm; None
    when it takes part in none."""
    for experiment in experiments:
        if not experiment.running(now) or not experiment.when.matches(fields):
            continue
        number = bucket(experiment.name, lead_id)
        threshold = round(experiment.split * BUCKETS / 100)
        arm = VARIANT if number < threshold else CONTROL
        flow = experiment.variant if arm == VARIANT else experiment.control
        why = (
            f"experiment {experiment.name!r}: arm {arm} (bucket {number} of {BUCKETS}; "
            f"the variant takes those below {threshold}), routed by flow {flow!r}"
        )
        return Placement(experiment=experiment.name, arm=arm, flow=flow, why=why)
    return None
