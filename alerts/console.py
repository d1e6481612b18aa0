"""The always-on channel: the text rendering on standard output."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console

from newswatch.alerts.messages import Deliverable
from newswatch.alerts.render import render_text


class ConsoleChannel:
    """Prints each alert; rich markup is off, so article text cannot style the terminal."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def __repr__(self) -> str:
        return "ConsoleChannel()"

    def send(self, message: Deliverable) -> None:
        """Print the text rendering and a rule under it."""
        console = Console(file=self._stream or sys.stdout, highlight=False, emoji=False)
        console.print(render_text(message), markup=False, soft_wrap=True)
        console.rule(style="dim")
