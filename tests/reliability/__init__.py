"""Crash safety: a real server killed mid-stream (issue 9)."""
