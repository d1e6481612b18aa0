"""The test corpus (tests/fixtures/corpus): news pages and feeds written for these tests.

Nine pages from three fictional outlets (an English daily, a syndicator that appends an AI
"interview" to what it republishes, a German site), labelled in labels.json in the same
format as the evaluation corpora: contacts, historical mentions, statements, copy groups and
two feed batches. feed-1.xml holds batch 1 (5 items), feed-2.xml batches 1 and 2 (9 items);
their links use the placeholder http://HOST, which the test server replaces.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


def labels() -> dict[str, Any]:
    """The parsed labels.json of the test corpus."""
    data: dict[str, Any] = json.loads((CORPUS / "labels.json").read_text(encoding="utf-8"))
    return data
