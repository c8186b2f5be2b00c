"""The routing file and the mix of leads the crash test streams, and the lead events its
webhook receiver subscribes to."""

from __future__ import annotations

# Timers at intake, all due within seconds, each chain finite (so all of them fire by the
# end): offers that expire twice then wait in `backlog`; an SLA that reminds, misses, reassigns
# once, then sends the lead to `backlog`; a pool whose max_wait reports the lead (once).
ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr], caps: {day: 100000}}
  - {id: bob, teams: [sdr]}
  - {id: cy, teams: [sdr], weight: 2}
  - {id: dee, teams: [ae]}
  - {id: eli, teams: [ae]}
pools:
  backlog: {members: [team:sdr], order: fifo, max_wait: 2s}
  inbound: {members: [team:sdr], order: fifo, max_wait: 3s}
qualify:
  disqualify:
    - {name: test entry, when: {field: kind, eq: test}}
routing:
  - name: offers
    when: {field: kind, eq: offer}
    assign: {team: ae, select: round_robin, offer: {timeout: 2s, max_offers: 2}}
    on_empty: {pool: backlog}
  - name: speed to lead
    when: {field: kind, eq: sla}
    assign: {team: sdr, select: round_robin}
    sla:
      remind_after: 1s
      first_touch: 2s
      reassign_after: 3s
      max_reassignments: 1
      then: {pool: backlog}
  - name: pooled
    when: {field: kind, eq: pool}
    pool: inbound
  - name: everyone else
    assign: {team: sdr, select: weighted}
fallback: {pool: backlog}
"""
# Share of each kind of lead: most are plainly assigned; a few start timers or are closed.
KINDS = {"plain": 88.0, "offer": 3.0, "sla": 3.0, "pool": 3.0, "test": 3.0}
WEBHOOK_EVENTS = ["lead.created", "lead.reassigned"]
