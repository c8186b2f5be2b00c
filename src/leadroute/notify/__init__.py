"""Telling people and systems what happened: notices for apprise channels (Slack, Teams,
email, ...), signed webhook events for CRMs, and the guards and senders the outbox relay uses."""
