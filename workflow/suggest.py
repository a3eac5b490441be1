"""The nearest known id to one typed wrongly, for refusals (``homse`` → ``homes``)."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches


def did_you_mean(typed: str, known: Iterable[str]) -> str:
    """``; did you mean 'homes'?`` when one known id is close to ``typed`` (difflib's
    ratio of at least 0.6), else the empty string: a refusal appends it as it is."""
    close = get_close_matches(str(typed), list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
