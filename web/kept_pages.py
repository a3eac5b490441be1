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
replaces it. A page is kept encoded, as the response's body, cut at each placeholder: a
request joins the pieces with its token, where it would otherwise encode the page (some
45,000 characters, 190,000 when it carried every edit block) again and search it for the
placeholder. A page with a refused form in it is never kept. The report page's edit blocks
sent alone (``…/edit/{kind}/{id}``) are kept here too, under their own keys. See
docs/decisions/0612, 0621 and 0623.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

#: What a process keeps at most, in bytes of encoded pages (a preparer's report page is
#: some 58,000, some 225,000 before its edit blocks came on demand, decision 0623): the
#: pages of some 170 reports per process then, some 600 now (a page per item edited).
BYTES_KEPT = 40_000_000


class KeptPages:
    """Rendered pages by key, encoded, the least recently used going first when full."""

    def __init__(self, placeholder: str, size: int = BYTES_KEPT) -> None:
        self.placeholder = placeholder
        self.size = size
        self._cut = placeholder.encode()
        self._kept: OrderedDict[Hashable, tuple[list[bytes], int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, csrf: str) -> bytes | None:
        """The page kept under ``key`` with ``csrf`` in its forms, encoded, or None."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is None:
                return None
            self._kept.move_to_end(key)
        return csrf.encode().join(kept[0])

    def keep(self, key: Hashable, page: str, csrf: str) -> bytes:
        """Keep ``page`` (rendered with the placeholder) under ``key``; the page with
        ``csrf`` in its forms, encoded (UTF-8, as the response sends it)."""
        body = page.encode()
        pieces = body.split(self._cut)
        if len(body) <= self.size:
            with self._lock:
                previous = self._kept.pop(key, None)
                if previous is not None:
                    self._bytes -= previous[1]
                self._kept[key] = (pieces, len(body))
                self._bytes += len(body)
                while self._bytes > self.size:
                    _, (_, dropped) = self._kept.popitem(last=False)
                    self._bytes -= dropped
        return csrf.encode().join(pieces)
