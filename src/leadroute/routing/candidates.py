"""Which reps hold the skills a lead asks for, and whose territories cover its place: indexes
built once per routing config, so a rule does not test every rep for every lead."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from leadroute.domain.reps import Rep
from leadroute.routing.config import Assign
from leadroute.routing.filters import location, specificity, wanted_skills

# Distinct (country, region) pairs whose covering reps are remembered; past this, start over.
_PLACES_REMEMBERED = 4096


class Reach:
    """Reps by skill tag, and (remembered per place) reps by how precisely they cover it."""

    def __init__(self, reps: Iterable[Rep]) -> None:
        self._reps = tuple(reps)
        self._skilled: dict[str, frozenset[str]] = {}
        for rep in self._reps:
            for tag in rep.skills:
                self._skilled[tag] = self._skilled.get(tag, frozenset()) | {rep.id}
        self._places: dict[tuple[str | None, str | None], dict[str, int]] = {}

    def with_skills(
        self, ask: Assign, fields: Mapping[str, object], required: frozenset[str] | None
    ) -> frozenset[str] | None:
        """The reps the skills filter passes (`required`: those holding every required tag,
        None when the rule requires none); None when the rule asks for no skills at all."""
        passing = required
        for field in ask.match_skills:
            having: frozenset[str] = frozenset()
            for tag in wanted_skills(fields.get(field)):
                having |= self._skilled.get(tag, frozenset())
            passing = having if passing is None else passing & having
        return passing

    def levels(self, fields: Mapping[str, object]) -> Mapping[str, int]:
        """The reps whose territories cover the lead's place, with how precisely (1 or 2)."""
        place = location(fields)
        levels = self._places.get(place)
        if levels is None:
            if place == (None, None):
                return {}
            if len(self._places) >= _PLACES_REMEMBERED:
                self._places.clear()
            levels = {}
            for rep in self._reps:
                level = specificity(rep, *place)
                if level:
                    levels[rep.id] = level
            self._places[place] = levels
        return levels


def listed_reps(ask: Assign, roster: Sequence[Rep]) -> tuple[Rep, ...]:
    """The reps an `assign` chooses among, in the engine's order: its `reps` (unknown ids
    left out), then members of its teams in roster order; the whole roster when it names
    neither."""
    if not ask.teams and not ask.reps:
        return tuple(roster)
    by_id = {rep.id: rep for rep in roster}
    chosen: dict[str, Rep] = {rep_id: by_id[rep_id] for rep_id in ask.reps if rep_id in by_id}
    teams = set(ask.teams)
    for rep in roster:
        if rep.teams & teams and rep.id not in chosen:
            chosen[rep.id] = rep
    return tuple(chosen.values())
