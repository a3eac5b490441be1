"""Errors raised by the event store.

Every message is one line that names what was wrong, the value received and
what was expected, so the CLI can print it as it is.
"""

from __future__ import annotations

from collections.abc import Sequence


class EventStoreError(Exception):
    """Base of every error the store raises; nothing was written when it is raised."""


class ConcurrencyError(EventStoreError):
    """The stream moved on since the writer read it: a stale expected version."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"stream {stream_id!r}: expected version {expected}, but it is at version "
            f"{actual}; reload the stream and try again"
        )


class InvalidStreamId(EventStoreError):
    """A stream id that does not follow the 'category:identifier' form."""


class InvalidExpectedVersion(EventStoreError):
    """An expected version that is not a whole number >= 0."""


class UnknownEventType(EventStoreError):
    """An event type name (or schema version) the registry does not know."""


class InvalidEvent(EventStoreError):
    """An event payload that does not validate against its event class."""


class TamperedEvent(EventStoreError):
    """A stored event whose content no longer matches its hash: the log was edited."""

    def __init__(self, position: int, stream_id: str, version: int) -> None:
        self.position = position
        self._arguments = (position, stream_id, version)
        super().__init__(
            f"event at position {position} ({stream_id} version {version}): its content does "
            "not match its hash, expected an unedited log; run `jixiao audit verify`"
        )

    def __reduce__(self) -> tuple[type[TamperedEvent], tuple[int, str, int]]:
        # Raised in a rebuild's share process, it is raised again in the rebuilding one.
        return (type(self), self._arguments)


class SchemaNotCurrent(EventStoreError):
    """The database's schema is missing or at another revision than this code expects."""

    def __init__(self, applied: Sequence[str] | None, expected: Sequence[str]) -> None:
        self.applied = tuple(applied) if applied is not None else None
        self.expected = tuple(expected)
        if applied is None:
            found = "not initialised"
        elif not applied:
            found = "at no revision"
        else:
            found = f"at revision {' + '.join(applied)}"
        super().__init__(
            f"database: schema {found}, expected {' + '.join(expected)}; run jixiao admin migrate"
        )


class StoreBusy(EventStoreError):
    """The database kept refusing a transaction (deadlock, serialization failure, lock
    wait); it was retried and nothing was written."""

    def __init__(self, reason: str, attempts: int) -> None:
        self.reason = reason
        self.attempts = attempts
        super().__init__(
            f"database: {reason} after {attempts} attempts; nothing was written, try again"
        )


class BrokenChain(EventStoreError):
    """The log around an event read no longer holds together: a row before it or in its
    stream was removed, inserted or moved, or its hash is not the one noted for it."""

    def __init__(
        self, position: int, stream_id: str | None, version: int | None, problem: str
    ) -> None:
        self.position = position
        self._arguments = (position, stream_id, version, problem)
        where = f" ({stream_id} version {version})" if stream_id is not None else ""
        super().__init__(
            f"event at position {position}{where}: {problem}, expected an unedited log; "
            "run `jixiao audit verify`"
        )

    def __reduce__(self) -> tuple[type[BrokenChain], tuple[int, str | None, int | None, str]]:
        # Raised in a rebuild's share process, it is raised again in the rebuilding one.
        return (type(self), self._arguments)
