"""Process-wide defaults that must be set before Prefect is imported."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "newswatch.duckdb"
DEFAULT_WATCH = "deployments/watches/trump-putin.toml"


def newswatch_home() -> Path:
    """Where newswatch keeps its own state (Prefect's home among it)."""
    return Path(os.environ.get("NEWSWATCH_HOME", Path.home() / ".newswatch"))


def configure_prefect_env() -> None:
    """Set Prefect defaults for a serverless CLI: a project-owned home, no analytics.

    Prefect reads settings files only from the working folder, so the defaults live here,
    applied with `setdefault` so a user's own environment always wins.
    """
    home = Path(os.environ.setdefault("PREFECT_HOME", str(newswatch_home() / "prefect")))
    # Prefect creates its home without parents, and fails its first start without it.
    home.mkdir(parents=True, exist_ok=True)
    # Offline, telemetry fails DNS look-ups and logs `database is locked` on fresh databases.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # The temporary server's first start migrates its database: allow for a slow machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_API_SERVICES_LATE_RUNS_ENABLED", "false")


def default_db() -> str:
    """The database file: `NEWSWATCH_DB`, else newswatch.duckdb in the working folder."""
    return os.environ.get("NEWSWATCH_DB", DEFAULT_DB)


def default_watch() -> str:
    """The watch file: `NEWSWATCH_WATCH`, else the bundled trump-putin watch."""
    return os.environ.get("NEWSWATCH_WATCH", DEFAULT_WATCH)
