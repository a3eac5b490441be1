"""Whole pages kept rendered under what they show: the report page per report version and
viewer, the inbox per user and the rows it lists.

A page is kept under a key that holds everything it is rendered from, so the key changes
whenever the page would: the report page's key holds the report-state row's revision,
stream version and log position (the row changes with every event of the report, and its
view with it), the viewer's id, name and what they may do. A request reads that row (or
the inbox's rows) from the read models brought up to the log's head first, so a kept page
is never older than the log's latest committed state. Each uvicorn worker keeps its own
pages; nothing kept is shared between processes or needs telling of a change.

The CSRF token is not in the key: pages are rendered with the placeholder of the edit
blocks (web.fragments), which no user can type or guess, and each request's own token
replaces it. A page with a refused form in it is never kept. See docs/decisions/0612.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

#: What a process keeps at most, in characters of rendered pages (a preparer's report page
#: is some 190,000): the pages of some 160 reports per process.
CHARACTERS_KEPT = 32_000_000


class KeptPages:
    """Rendered pages by key, the least recently used going first when full."""

    def __init__(self, placeholder: str, size: int = CHARACTERS_KEPT) -> None:
        self.placeholder = placeholder
        self.size = size
        self._kept: OrderedDict[Hashable, str] = OrderedDict()
        self._characters = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, csrf: str) -> str | None:
        """The page kept under ``key`` with ``csrf`` in its forms, or None."""
        with self._lock:
            page = self._kept.get(key)
            if page is None:
                return None
            self._kept.move_to_end(key)
        return page.replace(self.placeholder, csrf)

    def keep(self, key: Hashable, page: str, csrf: str) -> str:
        """Keep ``page`` (rendered with the placeholder) under ``key``; the page with
        ``csrf`` in its forms."""
        if len(page) <= self.size:
            with self._lock:
                previous = self._kept.pop(key, None)
                if previous is not None:
                    self._characters -= len(previous)
                self._kept[key] = page
                self._characters += len(page)
                while self._characters > self.size:
                    _, dropped = self._kept.popitem(last=False)
                    self._characters -= len(dropped)
        return page.replace(self.placeholder, csrf)
