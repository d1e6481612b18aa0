"""A Prefect pull step for deployments/prefect.yaml: run flows from the project folder.

A process worker starts each flow run in a temporary folder, while the deployment's
entrypoint (`flows/monitor.py:monitor`) and its default watch path are relative to the
project root. This step enters that root before the flow is loaded.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT_MARKERS = ("flows/monitor.py", "deployments/prefect.yaml")


def enter_project_root(directory: str | None = None) -> dict[str, str]:
    """Change into `directory` (NEWSWATCH_ROOT), else the checkout newswatch runs from.

    Prefect drops `directory` when its `{{ $NEWSWATCH_ROOT }}` placeholder is unset, so
    the fallback is the source tree of the installed package (an editable install or a
    checkout on PYTHONPATH). Returns `{"directory": <absolute path>}` like Prefect's own
    `set_working_directory`.
    """
    if directory:
        root = Path(directory).expanduser().resolve()
    else:
        root = Path(__file__).resolve().parents[1]
        if not all((root / marker).is_file() for marker in ROOT_MARKERS):
            raise RuntimeError(
                f"newswatch is installed from {root}, not from a project checkout: set "
                "NEWSWATCH_ROOT on the worker to the folder that holds flows/ and deployments/"
            )
    os.chdir(root)
    return {"directory": str(root)}
