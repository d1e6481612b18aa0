"""Process-wide defaults: where things live, and which Prefect API a command talks to."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "newswatch.duckdb"
DEFAULT_WATCH = "deployments/watches/trump-putin.toml"

# Every environment variable the package reads, with what it does (the CLI's help lists
# them; tests/test_cli.py checks the list against the code).
ENVIRONMENT_VARIABLES: dict[str, str] = {
    "NEWSWATCH_DB": "database file (default newswatch.duckdb in the working folder)",
    "NEWSWATCH_WATCH": "watch file (default: the bundled trump-putin watch)",
    "NEWSWATCH_HOME": "newswatch's own state, e.g. its Prefect home (default ~/.newswatch)",
    "SLACK_WEBHOOK_URL": "Slack incoming-webhook URL for alerts",
    "NEWSWATCH_SMTP_URL": "mail server for alerts: smtp://user:pass@host:port or smtps://…",
    "NEWSWATCH_EMAIL_TO": "alert recipients, comma-separated",
    "NEWSWATCH_EMAIL_FROM": "sender address of alert mail",
    "NEWSWATCH_APPRISE_URLS": "Apprise URLs for alerts (Teams, Discord, ntfy, …)",
    "NEWSWATCH_LLM_API_KEY": "API key of the optional LLM extractor",
    "NEWSWATCH_DB_LOCK_WAIT": "seconds a writer waits for the database file's lock (30)",
    "NEWSWATCH_RUN_LOCK_WAIT": "seconds a run waits for another run of its watch (30)",
    "NEWSWATCH_USER": "who gives `newswatch feedback` (default: the login name)",
    "NEWSWATCH_SERVE_GRACE": "seconds a stopping `serve` lets runs in flight finish (120)",
    "NEWSWATCH_SERVER_START_TIMEOUT": "seconds to wait for a Prefect server to start (180)",
    "NEWSWATCH_PROGRESS": "0 hides progress bars (so does CI)",
    "CI": "set: no progress bars",
    "NEWSWATCH_KILL_AT": "tests only: die at this fault point",
    "NEWSWATCH_KILL_HIT": "tests only: on this hit of the fault point (1)",
    "PREFECT_API_URL": "a Prefect server or Cloud to use instead of a temporary one",
    "PREFECT_HOME": "Prefect's home; when set, newswatch keeps out of it",
    "PREFECT_PROFILE": "the Prefect profile to use",
    "PREFECT_PROFILES_PATH": "Prefect's profiles file (kept at the user's when newswatch moves the home)",
    "PREFECT_UI_URL": "where `serve` says the Prefect UI is",
    "DO_NOT_TRACK": "set to 1 by newswatch when nothing else configures Prefect",
    "DASK_LOGGING__DISTRIBUTED": "Dask's log level (newswatch sets warning)",
}

# Prefect settings that mean "the user chose their Prefect": we then change nothing.
_USER_PREFECT_CHOICES = ("PREFECT_API_URL", "PREFECT_HOME", "PREFECT_PROFILE")


def newswatch_home() -> Path:
    """Where newswatch keeps its own state (Prefect's home among it)."""
    return Path(os.environ.get("NEWSWATCH_HOME", Path.home() / ".newswatch"))


def configured_api_url() -> str | None:
    """The Prefect API URL the user configured (environment, profile, prefect.toml), if any."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def configure_prefect_env() -> str | None:
    """Respect the user's Prefect set-up; only when there is none, apply newswatch's defaults.

    Returns the configured Prefect API URL, or None when commands must bring their own
    (a temporary server for `run`, a private one for `serve`).

    "Configured" is what Prefect itself reads: `PREFECT_API_URL`, the active profile
    (`prefect cloud login`, `prefect config set`), a `prefect.toml` in the working folder;
    or an explicit `PREFECT_HOME`/`PREFECT_PROFILE`. Otherwise Prefect's state (the
    temporary server's database) goes under newswatch's home, while the user's profiles
    file, if any, is still read for its other settings.
    """
    from prefect.context import refresh_global_settings_context
    from prefect.settings import get_current_settings

    # Prefect reads its settings once, when imported; the environment may have changed
    # since (a process forked from one that imported Prefect), so have it read them now.
    refresh_global_settings_context()
    url = configured_api_url()
    if url or any(os.environ.get(name) for name in _USER_PREFECT_CHOICES):
        return url
    profiles = get_current_settings().profiles_path
    home = newswatch_home() / "prefect"
    # Prefect creates its home without parents, and fails its first start without it.
    home.mkdir(parents=True, exist_ok=True)
    os.environ["PREFECT_HOME"] = str(home)
    if profiles.exists():
        os.environ.setdefault("PREFECT_PROFILES_PATH", str(profiles))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    refresh_global_settings_context()
    return None


def prefect_home() -> Path:
    """The Prefect home in force (after `configure_prefect_env`)."""
    from prefect.settings import get_current_settings

    return Path(get_current_settings().home)


def default_db() -> str:
    """The database file: `NEWSWATCH_DB`, else newswatch.duckdb in the working folder."""
    return os.environ.get("NEWSWATCH_DB", DEFAULT_DB)


def default_watch() -> str:
    """The watch file: `NEWSWATCH_WATCH`, else the bundled trump-putin watch."""
    return os.environ.get("NEWSWATCH_WATCH", DEFAULT_WATCH)
