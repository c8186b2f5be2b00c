"""Webhook subscriptions (CRM sync): create, list, delete. Admins only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from leadroute.api.auth import Now, Runtime_, require
from leadroute.notify.webhooks import WEBHOOK_EVENTS
from leadroute.services.principals import Principal, Role
from leadroute.services.webhooks import create_webhook, delete_webhook, list_webhooks
from leadroute.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["webhooks"])

Admin = Annotated[Principal, Depends(require(Role.ADMIN))]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="Where events are POSTed (http or https)")
    events: list[str] = Field(description=f"Any of: {', '.join(WEBHOOK_EVENTS)}")
    secret: str | None = Field(
        default=None,
        description="HMAC-SHA256 signing key (16-200 characters); left out, one is made and "
        "returned once",
    )


def _allow_private(request: Request) -> bool:
    settings: Settings = request.app.state.settings
    return settings.allow_private_urls


@router.post(
    "/webhooks",
    status_code=201,
    summary="Subscribe a URL to lead events (signed with HMAC-SHA256)",
    responses={422: {"description": "A bad URL (or a private address), event or secret"}},
)
def post_webhook(
    body: WebhookCreate,
    runtime: Runtime_,
    now: Now,
    who: Admin,
    allow_private: Annotated[bool, Depends(_allow_private)],
) -> dict[str, Any]:
    return create_webhook(
        runtime=runtime,
        url=body.url.strip(),
        events=body.events,
        secret=body.secret,
        caller=who,
        now=now,
        allow_private=allow_private,
    )


@router.get("/webhooks", summary="Active webhook subscriptions (secrets are never shown)")
def read_webhooks(runtime: Runtime_, who: Admin) -> dict[str, Any]:
    return list_webhooks(runtime=runtime)


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=204,
    summary="Stop a subscription",
    responses={404: {"description": "No such webhook"}},
)
def remove_webhook(webhook_id: str, runtime: Runtime_, now: Now, who: Admin) -> Response:
    delete_webhook(runtime=runtime, webhook_id=webhook_id, caller=who, now=now)
    return Response(status_code=204)
