"""Finding and changing an item of a report's tuples (lines, indicators, sections) by its key
without scanning the tuple.

A report's state is immutable: every event gives new tuples. Scanning a tuple for an id on
every command and every event made a whole report cost quadratic time in its size (an import
of 8,000 lines took 36 s). Here the positions of a tuple's keys are worked out once and
handed on to each tuple :func:`append` and :func:`replace` derive from it, so a lookup is
one dict access and a change one slice copy (done in C).

The positions live in a small cache keyed by the tuple's identity (holding the tuple, so an
identity is never mistaken for another's). A positions dict may be shared by several tuples
derived from one another; it is only ever added to, and every lookup checks the item it
points at, so a position another tuple added is never taken for one of this tuple's.
Nothing here changes what the functions return, only how fast, with one promise callers
may rely on: :func:`replace` and :func:`upsert` return the very tuple they were given when
nothing changed, so a new tuple always holds a change (no need to compare n items to know).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: How many tuples keep their positions: those of the few states a fold or an import is
#: working on. The cache holds its tuples alive, so it is kept small.
CACHE_SIZE = 32

#: (id of the tuple, attribute) → (the tuple, its keys' positions, or None when keys repeat).
_positions: dict[tuple[int, str], tuple[tuple[Any, ...], dict[Any, int] | None]] = {}
#: The attributes items have been looked up by (``id``, ``name``): carried on by every change.
_attributes: dict[str, None] = {}


def _remember(items: tuple[Any, ...], attribute: str, positions: dict[Any, int] | None) -> None:
    if len(_positions) >= CACHE_SIZE:
        oldest = next(iter(_positions), None)  # dicts keep insertion order
        if oldest is not None:
            _positions.pop(oldest, None)
    _positions[(id(items), attribute)] = (items, positions)


def _known(items: tuple[Any, ...], attribute: str) -> dict[Any, int] | None:
    """The positions already worked out for ``items``, if any (never builds them)."""
    entry = _positions.get((id(items), attribute))
    if entry is not None and entry[0] is items:
        return entry[1]
    return None


def _index(items: tuple[Any, ...], attribute: str) -> dict[Any, int] | None:
    """Each key's position in ``items`` (the first, as a scan would find), or None when a key
    repeats: then the callers scan, so a repeated key behaves exactly as before."""
    entry = _positions.get((id(items), attribute))
    if entry is not None and entry[0] is items:
        return entry[1]
    if not items:
        # The empty tuple is one object, shared by lines, indicators and sections alike.
        return {}
    _attributes.setdefault(attribute, None)
    positions: dict[Any, int] = {}
    for position, item in enumerate(items):
        positions.setdefault(getattr(item, attribute), position)
    found = positions if len(positions) == len(items) else None
    _remember(items, attribute, found)
    return found


def _position(items: tuple[Any, ...], key: object, attribute: str) -> int | None:
    positions = _index(items, attribute)
    if positions is None:
        return next((n for n, item in enumerate(items) if getattr(item, attribute) == key), None)
    try:
        position = positions.get(key)
    except TypeError:  # an unhashable key (a list where an id belongs) names no item
        return None
    if position is None or position >= len(items):
        return None
    # A shared dict may hold a position another tuple derived from this one added.
    return position if getattr(items[position], attribute) == key else None


def find(items: tuple[T, ...], key: object, attribute: str = "id") -> T | None:
    """The first item of ``items`` whose ``attribute`` equals ``key``, if any."""
    position = _position(items, key, attribute)
    return None if position is None else items[position]


def append(items: tuple[T, ...], new: T) -> tuple[T, ...]:
    """``items`` with ``new`` at the end."""
    result = (*items, new)
    end = len(items)
    for attribute in list(_attributes):
        positions = _known(items, attribute)
        # setdefault adds the key only if no tuple sharing the dict has it elsewhere.
        if positions is not None and positions.setdefault(getattr(new, attribute), end) == end:
            _remember(result, attribute, positions)
    return result


def replace(
    items: tuple[T, ...], key: object, change: Callable[[T], T], attribute: str = "id"
) -> tuple[T, ...]:
    """``items`` with the item whose ``attribute`` is ``key`` replaced by ``change(item)``
    (every such item, should the key repeat); ``items`` itself when none has it or the
    change leaves the item as it was."""
    if _index(items, attribute) is None:
        changed = tuple(change(i) if getattr(i, attribute) == key else i for i in items)
        return items if changed == items else changed
    position = _position(items, key, attribute)
    if position is None:
        return items
    old = items[position]
    new = change(old)
    if new == old:
        return items  # so a change that changes nothing is seen as such at once
    result = (*items[:position], new, *items[position + 1 :])
    for name in list(_attributes):
        positions = _known(items, name)
        if positions is None:
            continue
        before, after = getattr(old, name), getattr(new, name)
        # A renamed item keeps its place: its new key is added unless another item has it.
        if before == after or positions.setdefault(after, position) == position:
            _remember(result, name, positions)
    return result


def upsert(items: tuple[T, ...], new: T, attribute: str = "id") -> tuple[T, ...]:
    """``items`` with ``new`` in place of the item with its key, or at the end if none has it."""
    key = getattr(new, attribute)
    if _position(items, key, attribute) is None:
        return append(items, new)
    return replace(items, key, lambda _: new, attribute)
