"""Personal data: export everything held about a lead's person, and erase it."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["privacy"])
