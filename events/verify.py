"""Walking the hash chain: finds the first row that was edited, removed or moved."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from events.chain import GENESIS_HASH, Row, _digest, _json, _metadata_text, row_hash
from events.errors import BrokenChain, TamperedEvent


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of a verification: how far the chain holds and, if not, where it breaks."""

    ok: bool
    checked: int
    head_position: int
    first_bad_position: int | None = None
    problem: str | None = None
    #: The last event's hash when the chain holds: with ``head_position``, the anchor to
    #: note outside the database (a shortened log can otherwise verify; decision 0002).
    head_hash: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"chain intact: {self.checked} events, head at position {self.head_position}" + (
                f", hash {self.head_hash}" if self.head_hash else ""
            )
        return f"chain broken at position {self.first_bad_position}: {self.problem}"


def check_anchor(
    position: int, expected_hash: str, found_hash: str | None, head: int
) -> str | None:
    """Why the log does not hold the event noted as ``position:expected_hash`` (None if it
    does): ``found_hash`` is the hash stored at that position, None when the log is shorter."""
    if found_hash is None:
        return (
            f"anchor {position}: the log ends at position {head}, expected it to hold this "
            "position (rows after the head were removed, or the anchor is from another log)"
        )
    if found_hash != expected_hash:
        return (
            f"anchor {position}: got hash {found_hash}, expected {expected_hash} "
            "(the log was rewritten from there on, or the anchor is from another log)"
        )
    return None


#: What a row's hash covers: every column but the hash itself.
_HASHED = tuple(name for name in Row._fields if name != "hash")


def matches_hash(row: Any) -> bool:
    """Whether a stored row's content still hashes to its ``hash`` (its link to the row
    before it is not checked: that takes the whole log, :func:`verify_rows`)."""
    return row_hash(**{name: getattr(row, name) for name in _HASHED}) == row.hash


def verify_rows(
    batches: Iterable[Sequence[Any]],
    *,
    head_position: int,
    head_hash: str,
    progress: Callable[[int], None] | None = None,
    accepted: Callable[[Sequence[Any]], None] | None = None,
) -> ChainReport:
    """Check rows in position order: contiguous positions, linked and recomputable hashes.

    ``accepted(rows)`` is handed each batch once every row of it has passed, and at a
    break the rows of its batch before the bad one: a reader that folds what it is handed
    never folds a row the chain does not vouch for.
    """
    expected_position = 1
    prev_hash = GENESIS_HASH
    checked = 0

    def broken(batch: Sequence[Any], index: int, position: int, problem: str) -> ChainReport:
        if accepted is not None and index:
            accepted(batch[:index])
        return ChainReport(False, checked, head_position, position, problem)

    for batch in batches:
        for index, row in enumerate(batch):
            if row.position != expected_position:
                return broken(
                    batch,
                    index,
                    expected_position,
                    f"position {expected_position} is missing (next row is {row.position})",
                )
            if row.prev_hash != prev_hash:
                return broken(
                    batch,
                    index,
                    row.position,
                    "the row does not follow its predecessor (deleted, inserted or reordered row)",
                )
            if not matches_hash(row):
                return broken(
                    batch, index, row.position, "the row's content does not match its hash (edited)"
                )
            prev_hash = row.hash
            expected_position += 1
            checked += 1
        if accepted is not None and batch:
            accepted(batch)
        if progress is not None:
            progress(checked)
    if checked != head_position or prev_hash != head_hash:
        return broken(
            (),
            0,
            checked + 1 if checked < head_position else head_position,
            f"the log ends at position {checked} but its head names position {head_position}",
        )
    return ChainReport(True, checked, head_position, head_hash=head_hash)


def check_link(row: Any, before_hash: str | None) -> None:
    """Refuse a row read on its own whose content does not match its hash
    (:class:`TamperedEvent`), or that does not follow the row before it in the log,
    whose stored hash is ``before_hash`` (None: no row holds that position), with
    :class:`BrokenChain`. The row before is not itself checked: it is not what was read."""
    if not matches_hash(row):
        raise TamperedEvent(row.position, row.stream_id, row.version)
    if row.position == 1:
        before_hash = GENESIS_HASH
    elif before_hash is None:
        raise BrokenChain(
            row.position,
            row.stream_id,
            row.version,
            f"position {row.position - 1}, just before it, is missing from the log",
        )
    if row.prev_hash != before_hash:
        raise BrokenChain(
            row.position,
            row.stream_id,
            row.version,
            f"it does not follow the event at position {row.position - 1} "
            "(a row was deleted, inserted or moved there)",
        )


def check_noted_positions(
    expected: Mapping[int, str | None],
    linked_rows: Callable[[list[int]], Sequence[tuple[Row, str | None]]],
    *,
    chunk: int = 500,
) -> None:
    """Check the events at the given positions, as a reader that shows them must: each is
    in the log, matches its hash, follows the row before it, and has the hash noted for it
    (None: no hash noted). ``linked_rows`` reads the rows at some positions, each with the
    hash stored at the position before it. Raises :class:`TamperedEvent` or
    :class:`BrokenChain` at the first position that does not hold."""
    wanted = sorted(expected)
    for start in range(0, len(wanted), chunk):
        part = wanted[start : start + chunk]
        found = {row.position: (row, before) for row, before in linked_rows(part)}
        for position in part:
            row, before = found.get(position, (None, None))
            if row is None:
                raise BrokenChain(position, None, None, "no event holds this position any more")
            check_link(row, before)
            noted = expected[position]
            if noted is not None and noted != row.hash:
                raise BrokenChain(
                    position,
                    row.stream_id,
                    row.version,
                    f"its hash is {row.hash}, not {noted} as noted when it was read before",
                )


def check_stream_segment(
    stream_id: str,
    rows: Iterable[tuple[Any, str | None]],
    next_row: tuple[int, int] | None = None,
    *,
    first_version: int = 1,
) -> None:
    """Check a stream's rows read from ``first_version``: each with the hash stored at the
    position before it (see :func:`check_link`), versions from ``first_version`` without a
    gap, and ``next_row`` (the version and position of the stream's first row after the
    ones read, if any) following the last of them. Raises TamperedEvent or BrokenChain at
    the first row that does not hold."""
    expected = first_version
    for row, before_hash in rows:
        if row.version != expected:
            raise BrokenChain(
                row.position,
                row.stream_id,
                row.version,
                f"version {expected} of its stream, before it, is missing from the log",
            )
        check_link(row, before_hash)
        expected += 1
    if next_row is not None and next_row[0] != expected:
        version, position = next_row
        raise BrokenChain(
            position,
            stream_id,
            version,
            f"version {expected} of its stream, before it, is missing from the log",
        )


def check_run(
    rows: Iterable[Sequence[Any]],
    after: int,
    prev_hash: str | None,
    moment: Callable[[Any], Any],
    hashed: Callable[[Sequence[Any]], bool] | None = None,
) -> None:
    """Check rows of the log read in position order right after position ``after``, whose
    stored hash is ``prev_hash`` (None: no row holds that position): positions follow one
    another, each row matches its hash and follows the row before it. ``rows`` are plain
    tuples in the events table's column order; ``moment`` turns a stored time into an aware
    datetime. Raises TamperedEvent or BrokenChain at the first row that does not hold.

    With ``hashed``, only the rows it is true of are hashed again; each other row still
    follows the one before it, whose stored hash stands for its own: for readers that share
    the log out, each checking the hashes of its share (:mod:`projections.partitioned`)."""
    expected = after + 1
    if after == 0:
        prev_hash = GENESIS_HASH
    # The events of one append share their metadata and moment, and a stream its id's JSON:
    # each distinct one is encoded once (the hash itself is row_hash's, see _digest).
    metadata: dict[tuple[Any, ...], str] = {}
    streams: dict[str, str] = {}
    for row in rows:
        position, stream_id, version = row[0], row[1], row[2]
        if position != expected:
            raise BrokenChain(
                expected, None, None, f"it is missing from the log (the next row is {position})"
            )
        if prev_hash is None:
            raise BrokenChain(
                position,
                stream_id,
                version,
                f"position {position - 1}, just before it, is missing from the log",
            )
        if row[12] != prev_hash:
            raise BrokenChain(
                position,
                stream_id,
                version,
                f"it does not follow the event at position {position - 1} "
                "(a row was deleted, inserted or moved there)",
            )
        if hashed is not None and not hashed(row):
            prev_hash = row[13]
            expected += 1
            continue
        key = (row[7], row[8], row[9], row[10], row[11])
        text = metadata.get(key)
        if text is None:
            text = metadata[key] = _metadata_text(row[7], row[8], moment(row[9]), row[10], row[11])
        stream_json = streams.get(stream_id)
        if stream_json is None:
            stream_json = streams[stream_id] = _json(stream_id)
        digest = _digest(
            position, stream_json, version, row[3], row[4], row[5], text, prev_hash, row[6]
        )
        if digest != row[13]:
            raise TamperedEvent(position, stream_id, version)
        prev_hash = digest
        expected += 1
