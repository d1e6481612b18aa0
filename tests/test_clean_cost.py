"""The clean stage's cost stays bounded on a hostile 5 MB page (time is measured against
bare trafilatura by bench/bench_clean_speed.py; memory is checked here)."""

from __future__ import annotations

import subprocess
import sys

# Peak memory the cleaning of one 5 MB page may add to the process. Measured: ~150 MB
# for a 5 MB page of long paragraphs (lxml tree, trafilatura's copies, the text); the
# bound leaves ~3x room and still catches a copy per paragraph or an unbounded tree.
MAX_PEAK_GROWTH_MB = 500

_MEASURE = """
import resource
from newswatch.extractors.clean import clean_page
sentence = "The delegations met again on Tuesday and talked for hours about the terms. "
body = "".join(f"<p>{i} {sentence * 70}</p>" for i in range(1000))
html = f"<html><head><title>t</title></head><body><article>{body}</article></body></html>"
assert len(html) >= 5_000_000
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
article = clean_page(html, "https://news.example/world/a-very-long-page")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(article.page_kind, len(article.text) > 4_000_000, (after - before) // 1024)
"""


def test_a_5_mb_page_is_cleaned_in_bounded_memory() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE], capture_output=True, text=True, timeout=300, check=True
    )
    kind, long_text, growth_mb = done.stdout.split()
    assert (kind, long_text) == ("article", "True")
    assert int(growth_mb) <= MAX_PEAK_GROWTH_MB
