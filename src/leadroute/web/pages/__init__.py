"""The dashboard's pages, one module per use case; ROUTERS lists them for dashboard.install."""

from fastapi import APIRouter

from leadroute.web.pages import (
    home,
    lead_detail,
    leads,
    mine,
    people,
    pools,
    reports,
    reps,
    routing_editor,
    signing_in,
)

ROUTERS: tuple[APIRouter, ...] = (
    signing_in.router,
    home.router,
    mine.router,
    leads.router,
    lead_detail.router,
    reps.router,
    pools.router,
    routing_editor.router,
    reports.router,
    people.router,
)
