"""History through the engine: the scenario Replay (Router.route on a MemoryStore, DESIGN §4),
fed each historical arrival as a lead event, in time order, plus one internal event per lead
when history closed it.

The internal `settle` event (built here, never read from a scenario file) closes the simulated
lead without crediting its simulated owner, so `open` caps and least_loaded see leads finish as
they did; and it adds the historical result to the track record of the rep who worked the lead
in history, so top_performer learns what history knew at that moment, no more, in the
segment of that lead's fields (its `payload`, when the simulation merged it into another lead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from leadroute.normalize import lead_from_payload
from leadroute.reports.facts import decision_capped
from leadroute.routing.config import RoutingConfig
from leadroute.simulate.decisions import Line
from leadroute.simulate.history import LOST, WON, Arrival
from leadroute.simulate.replay import Replay
from leadroute.simulate.scenario import Event

SETTLE = "settle"
DEFAULT_CLOSE_AFTER = timedelta(days=30)

Progress = Callable[[int], None]


@dataclass(frozen=True, kw_only=True, slots=True)
class Placement:
    """Where the simulation's decision put one arrival: a rep or a pool (neither when the
    routing file disqualified it or merged it into an earlier lead), and the reps it skipped
    because a cap was full."""

    rep: str | None = None
    pool: str | None = None
    rule: str | None = None
    capped: tuple[str, ...] = ()
    merged: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Placements:
    """One placement per arrival (same order), and how many SLA re-assignments timers made."""

    placements: tuple[Placement, ...]
    reassigned: int = 0


class HistoryReplay(Replay):
    """Replay with the `settle` event kind (see the module docstring)."""

    def _on_settle(self, event: Event) -> list[Line]:
        lead_id = str(event.body["lead"])
        record = self.store.leads.get(lead_id)
        if record is not None:
            self.store.close_uncredited(lead_id, event.at)
        rep, won = event.body.get("rep"), event.body.get("won")
        if isinstance(rep, str) and isinstance(won, bool):
            fields = record.lead.fields if record is not None else self._merged_fields(event)
            self.store.record_track(rep, won=won, at=event.at, fields=fields)
        return []

    def _merged_fields(self, event: Event) -> Mapping[str, object]:
        """The fields of a lead the simulation merged into an earlier one (so never stored):
        its payload normalised and scored as routing it would have."""
        payload = event.body.get("payload")
        raw = (
            {str(key): value for key, value in payload.items()}
            if isinstance(payload, Mapping)
            else {}
        )
        raw.pop("received_at", None)
        lead_id = str(raw.pop("id", event.body["lead"]))
        lead = lead_from_payload(raw, lead_id=lead_id, received_at=event.at)
        return self.router.score(lead, now=event.at).fields


def rep_ids(config: RoutingConfig) -> dict[str, str]:
    """The config's rep id for each name history may use: the id itself or the rep's name (an
    id wins when a name equals another rep's id)."""
    found = {rep.name: rep.id for rep in config.reps if rep.name}
    found.update({rep.id: rep.id for rep in config.reps})
    return found


def events_of(
    arrivals: Sequence[Arrival],
    known: Mapping[str, str],
    *,
    close_after: timedelta = DEFAULT_CLOSE_AFTER,
) -> list[Event]:
    """Every arrival's lead event and its settle event, in time order. A lead closes at its
    historical close time, or `close_after` its arrival when history gives none (never before
    it arrives); `known` maps history's rep names to the config's ids (others get no credit).
    At one instant, leads closed earlier settle first, so a cap they free is free for the
    leads arriving then."""
    keyed: list[tuple[float, int, int, Event]] = []
    for number, arrival in enumerate(arrivals):
        keyed.append((arrival.at.timestamp(), 1, number, _lead(arrival)))
        closed = arrival.closed_at or arrival.at + close_after
        closed = max(closed, arrival.at)
        body: dict[str, object] = {"lead": arrival.id}
        rep = known.get(arrival.rep) if arrival.rep is not None else None
        if rep is not None and arrival.result in (WON, LOST):
            body.update(rep=rep, won=arrival.result == WON, payload=arrival.payload)
        rank = 0 if closed > arrival.at else 2
        keyed.append(
            (
                closed.timestamp(),
                rank,
                number,
                Event(line=arrival.line, at=closed, kind=SETTLE, body=body),
            )
        )
    keyed.sort(key=lambda item: item[:3])
    return [event for _, _, _, event in keyed]


def place_all(
    config: RoutingConfig,
    arrivals: Sequence[Arrival],
    *,
    seed: int,
    close_after: timedelta = DEFAULT_CLOSE_AFTER,
    progress: Progress | None = None,
) -> Placements:
    """Run the history through a fresh HistoryReplay of `config` and read each arrival's
    decision from the replay's own output lines (without their traces: only the reps skipped
    for a full cap are read from them, and `capped` tells those)."""
    run = HistoryReplay(config, seed=seed, trace=False, capped=True)
    events = events_of(arrivals, rep_ids(config), close_after=close_after)
    found: dict[str, Placement] = {}
    reassigned = 0
    for line in run.run(_counted(events, progress)):
        if "reassigned" in line:
            reassigned += 1
        lead_id = line.get("lead")
        if not isinstance(lead_id, str) or lead_id in found:
            continue
        if "merged_into" in line:
            found[lead_id] = Placement(merged=True)
        elif "rule" in line:
            found[lead_id] = _placement(line)
    return Placements(
        placements=tuple(found.get(arrival.id, Placement()) for arrival in arrivals),
        reassigned=reassigned,
    )


def _placement(line: Line) -> Placement:
    rep, pool, rule = line.get("rep"), line.get("pool"), line.get("rule")
    return Placement(
        rep=rep if isinstance(rep, str) else None,
        pool=pool if isinstance(pool, str) else None,
        rule=rule if isinstance(rule, str) else None,
        capped=decision_capped(line),
    )


def _lead(arrival: Arrival) -> Event:
    return Event(line=arrival.line, at=arrival.at, kind="lead", body=dict(arrival.payload))


def _counted(events: list[Event], progress: Progress | None) -> Iterator[Event]:
    """The events, telling `progress` how many leads went through (every 100th and the last)."""
    done = 0
    for event in events:
        yield event
        if event.kind == "lead":
            done += 1
            if progress is not None and done % 100 == 0:
                progress(done)
    if progress is not None:
        progress(done)
