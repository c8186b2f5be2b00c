"""The HTTP API (FastAPI): thin routes that parse, call one service, render."""
