"""A rep's start page: their own open leads, soonest SLA due first."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from fastapi.responses import Response

from leadroute.services.runtime import Runtime
from leadroute.services.web_sessions import WebSession
from leadroute.web.render import page


def my_leads_page(request: Request, runtime: Runtime, now: datetime, seen: WebSession) -> Response:
    return page(request, seen, "mine.html", leads=[])
