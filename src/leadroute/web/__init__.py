"""The dashboard: server-rendered pages (Jinja2 + htmx) for managers and reps, on the same
services as the API."""
