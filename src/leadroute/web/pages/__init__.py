"""The dashboard's pages, one module per use case; ROUTERS lists them for dashboard.install."""

from fastapi import APIRouter

from leadroute.web.pages import home, signing_in

ROUTERS: tuple[APIRouter, ...] = (signing_in.router, home.router)
