"""Rendering pages: the Jinja2 environment with its filters, the page context every template
gets (who is signed in, the menu for their role, the CSRF token, a flash message), and the
redirect-with-a-message answer of form posts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from leadroute.api.auth import now_of
from leadroute.services.principals import Role
from leadroute.services.web_sessions import WebSession

FLASH_COOKIE = "lr_flash"
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

MANAGER_MENU = (
    ("/", "Feed"),
    ("/leads", "Leads"),
    ("/reps", "Reps"),
    ("/pools", "Pools"),
    ("/routing", "Routing"),
    ("/routing/preview", "Test a lead"),
    ("/reports", "Reports"),
    ("/experiments", "Experiments"),
)
ADMIN_MENU = (*MANAGER_MENU, ("/people", "People & keys"))
REP_MENU = (("/", "My leads"), ("/pools", "Pools"))


def page(
    request: Request,
    seen: WebSession | None,
    template: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A whole page (or, for a template that is a fragment, the fragment)."""
    flash = _read_flash(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "me": seen,
            "role": seen.principal.role.value if seen else None,
            "is_manager": seen is not None and seen.principal.role in (Role.ADMIN, Role.MANAGER),
            "csrf": seen.csrf if seen else "",
            "menu": _menu(seen),
            "path": request.url.path,
            "now": now_of(request),
            "flash": flash,
            **context,
        },
        status_code=status_code,
    )
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(url: str, message: str | None = None, *, kind: str = "ok") -> RedirectResponse:
    """After a form post: back to a page (303), with a message shown once on it."""
    response = RedirectResponse(url, status_code=303)
    if message is not None:
        response.set_cookie(
            FLASH_COOKIE,
            json.dumps({"kind": kind, "text": message[:500]}),
            max_age=60,
            httponly=True,
            samesite="lax",
            path="/",
        )
    return response


def _read_flash(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        return None
    kind = value.get("kind") if value.get("kind") in ("ok", "error") else "ok"
    return {"kind": str(kind), "text": value["text"]}


def _menu(seen: WebSession | None) -> tuple[tuple[str, str], ...]:
    if seen is None:
        return ()
    if seen.principal.role is Role.ADMIN:
        return ADMIN_MENU
    return REP_MENU if seen.principal.role is Role.REP else MANAGER_MENU


def _instant(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def when(value: object) -> Markup:
    """A time as `<time>`: UTC on the server; app.js shows it in the browser's own zone."""
    moment = _instant(value)
    if moment is None:
        return Markup("<span class=muted>-</span>")
    utc = moment.astimezone(UTC)
    return Markup('<time datetime="{}" data-local>{}</time>').format(
        utc.isoformat(), utc.strftime("%Y-%m-%d %H:%M UTC")
    )


def span(seconds: float) -> str:
    """A duration in words: 45s, 12 min, 3 h 5 min, 2 d 4 h."""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{int(seconds)}s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def ago(value: object, now: datetime) -> str:
    moment = _instant(value)
    if moment is None:
        return "-"
    delta = (now - moment).total_seconds()
    return f"in {span(delta)}" if delta < 0 else f"{span(delta)} ago"


def countdown(value: object, now: datetime) -> Markup:
    """Time left until a due time, ticking in the browser (app.js); overdue shows in red."""
    moment = _instant(value)
    if moment is None:
        return Markup("<span class=muted>no SLA</span>")
    left = (moment - now).total_seconds()
    text = f"{span(left)} left" if left >= 0 else f"{span(left)} overdue"
    state = "due-ok" if left > 600 else ("due-soon" if left >= 0 else "due-late")
    return Markup('<span class="countdown {}" data-due="{}">{}</span>').format(
        state, moment.astimezone(UTC).isoformat(), text
    )


def money(value: object) -> str:
    if isinstance(value, int | float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return "-"


def percent(value: object) -> str:
    return f"{value * 100:.1f}%" if isinstance(value, int | float) else "-"


def status_badge(status: object) -> Markup:
    text = str(status or "-")
    return Markup('<span class="badge status-{}">{}</span>').format(
        escape(text.replace(" ", "-")), text
    )


templates.env.filters["when"] = when
templates.env.filters["ago"] = ago
templates.env.filters["countdown"] = countdown
templates.env.filters["money"] = money
templates.env.filters["percent"] = percent
templates.env.filters["span"] = span
templates.env.filters["status"] = status_badge
templates.env.globals["instant"] = _instant
