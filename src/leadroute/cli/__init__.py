"""The `leadroute` command (Typer): serve, migrate, keys, import, demo, check, replay, route,
train, accounts, deliveries, report, simulate, users, sources."""

from leadroute.cli import (
    accounts,
    deliveries,
    files,
    importing,
    keys,
    learning,
    privacy,
    reports,
    service,
    simulate,
    sources,
    users,
)
from leadroute.cli.app import app

__all__ = [
    "accounts",
    "app",
    "deliveries",
    "files",
    "importing",
    "keys",
    "learning",
    "privacy",
    "reports",
    "service",
    "simulate",
    "sources",
    "users",
]
