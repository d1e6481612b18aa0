"""Headless Chromium screenshots for tests that look at what a person would see."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

# Colour tolerance per channel: marker interiors are drawn in the exact status colour;
# antialiased edges blend with the background and fall outside it.
COLOUR_TOLERANCE = 8
# A blob smaller than this is an antialiasing speck, not a marker: a marker of radius 7
# covers ~80-130 exact pixels at this window size, a hollow ring ~40.
MIN_BLOB_PIXELS = 25


def chromium() -> str | None:
    """The Chromium binary, when Debian's package is installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page: Path, tmp_path: Path, size: str = "1200,900") -> Path:
    """Render a local HTML file in headless Chromium; returns the PNG's path."""
    binary = chromium()
    assert binary is not None
    png = tmp_path / f"{page.stem}.png"
    subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", f"--window-size={size}",
         f"--screenshot={png}", page.resolve().as_uri()],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return png


def blobs(pixels: np.ndarray, colour: str) -> int:
    """How many separate blobs (4-connected, >= MIN_BLOB_PIXELS) are drawn in `colour`."""
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
    mask = (np.abs(pixels.astype(np.int16) - rgb) <= COLOUR_TOLERANCE).all(axis=2)
    todo = {(int(y), int(x)) for y, x in zip(*np.nonzero(mask), strict=True)}
    count = 0
    while todo:
        stack = [todo.pop()]
        size = 0
        while stack:
            y, x = stack.pop()
            size += 1
            for nb in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if nb in todo:
                    todo.remove(nb)
                    stack.append(nb)
        count += size >= MIN_BLOB_PIXELS
    return count
