"""A bounded, thread-safe map of what a server process keeps between requests."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class Recent(Generic[Value]):
    """At most ``size`` values by key, the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Value | None:
        """The value kept under ``key``, now the most recently used; None if there is none."""
        with self._lock:
            value = self._kept.get(key)
            if value is not None:
                self._kept.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Value) -> None:
        """Keep ``value`` under ``key``, dropping the least recently used beyond ``size``."""
        with self._lock:
            self._kept[key] = value
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)


class ByIdentity(Generic[Value]):
    """Values made from an object, kept by the object's identity (the object is held, so
    that its id is not reused) and the equality of what else they were made from.

    A report's view shares its unchanged parts with the view before it by identity
    (projections.report_view.ViewMemo): what is made from such a part is made once."""

    def __init__(self, size: int) -> None:
        self._kept: Recent[tuple[object, object, Value]] = Recent(size)

    def made(self, kind: Hashable, part: object, also: object, make: Callable[[], Value]) -> Value:
        """What ``make()`` gives for ``part`` and ``also`` (``kind`` tells apart what is
        made of the same part), made once for both while they are kept."""
        key = (kind, id(part))
        kept = self._kept.get(key)
        if kept is not None and kept[0] is part and kept[1] == also:
            return kept[2]
        made = make()
        self._kept.put(key, (part, also, made))
        return made
