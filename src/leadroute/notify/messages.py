"""Rendering notices with Jinja2 templates: a title and a plain-text body per notice kind.

The packaged templates live in `notify/templates/` (`assigned.title.txt`,
`assigned.body.txt`, ...; `_lead.txt` is the lead summary they include). A directory given as
`LEADROUTE_TEMPLATES` overrides any of them by file name. Messages are plain text (Slack,
Teams and email show them as written), so nothing is HTML-escaped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    TemplateError,
)

from leadroute.notify.notices import Directory, LeadFacts, Notice

log = logging.getLogger("leadroute.notify")


@dataclass(frozen=True, kw_only=True, slots=True)
class Message:
    title: str
    body: str


class Messages:
    """The template set, loaded once; `render` never raises on a broken template (the change
    that caused the notice must still commit): the message then says what went wrong."""

    def __init__(self, directory: Path | None = None) -> None:
        loaders: list[BaseLoader] = [PackageLoader("leadroute.notify", "templates")]
        if directory is not None:
            loaders.insert(0, FileSystemLoader(directory))
        # Plain-text messages, not HTML: nothing to escape.
        self._env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )

    def render(self, notice: Notice, lead: LeadFacts, directory: Directory) -> Message:
        context = _context(notice, lead, directory)
        try:
            title = self._env.get_template(f"{notice.kind}.title.txt").render(context)
            body = self._env.get_template(f"{notice.kind}.body.txt").render(context)
        except TemplateError as error:
            log.exception("the %s notice template failed", notice.kind)
            return Message(
                title=f"leadroute: {notice.kind} {lead.label}",
                body=f"(the {notice.kind} template failed: {error})\n{context['link']}",
            )
        return Message(title=" ".join(title.split()), body=body.strip())


def _context(notice: Notice, lead: LeadFacts, directory: Directory) -> dict[str, Any]:
    event = notice.event
    dashboard = directory.notifications.dashboard_url.rstrip("/")
    return {
        "kind": notice.kind,
        "lead": lead,
        "fields": lead.fields,
        "rep": notice.rep,
        "rep_name": directory.name_of(notice.rep),
        "previous": notice.previous,
        "previous_name": directory.name_of(notice.previous) if notice.previous else None,
        "reason": event.reason,
        "pool": event.data.get("pool") or lead.pool,
        "data": event.data,
        "at": event.at,
        "actor": event.actor,
        "link": f"{dashboard}/leads/{lead.id}",
    }
