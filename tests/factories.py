"""Shared test data (importable from tests: pytest puts tests/ on sys.path)."""

from datetime import datetime

NOW = datetime.fromisoformat("2026-11-27T10:00:00+08:00")
CONSOLE_PASSWORD = "yundan-test-pass-2026"  # console users in tests
