"""The registry of event classes: type names, schema versions and upcasters.

Old rows are never rewritten. When an event class changes shape its schema version
goes up and an upcaster turns the stored payload of the previous version into the
next one; reading applies the chain of upcasters up to the current version.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from events.errors import InvalidEvent, UnknownEventType
from events.model import Event

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
_TYPE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{0,99}$")
E = TypeVar("E", bound=type[Event])


class EventRegistry:
    """Maps event type names to classes and knows how to read any stored version."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Event]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        #: Type name → (current schema version, the class's JSON validator), each built on
        #: the first decode of its type (pydantic builds a class's validator on first use:
        #: a read that decodes a few types builds only theirs).
        self._validators: dict[str, tuple[int, Callable[[str], Event]]] = {}
        #: Functions that register more classes (by importing the modules defining them),
        #: each run once, all of them at the first lookup of a name not registered yet: a
        #: process that decodes only the types it has imported never loads the others.
        self._sources: list[Callable[[], object]] = []
        self._loading = threading.RLock()

    def __deepcopy__(self, memo: dict[int, Any]) -> EventRegistry:
        # A copy of something holding a registry (a test's store) shares it, as it shares
        # the classes the registry maps: there is one set of event types per process.
        return self

    def add_source(self, load: Callable[[], object]) -> None:
        """Have ``load`` run (once) before any lookup of a name not registered yet."""
        with self._loading:
            self._sources.append(load)

    def _load_sources(self) -> None:
        """Run every pending source, or wait for the thread running them: a lookup that
        missed looks again after this, and finds what they registered."""
        with self._loading:
            while self._sources:
                self._sources.pop(0)()

    def register(self, name: str, *, version: int = 1) -> Callable[[E], E]:
        """Class decorator: register an Event subclass under ``name`` at schema ``version``."""

        # Names are hashed as plain quoted text (events.chain): letters, digits, '_' and '.'.
        if not _TYPE_NAME.match(name):
            raise ValueError(f"event type name: got {name!r}, expected letters, digits, _ or .")

        def decorate(cls: E) -> E:
            if not (isinstance(cls, type) and issubclass(cls, Event)):
                raise TypeError(f"{cls!r} is not an Event subclass")
            if name in self._classes and self._classes[name] is not cls:
                raise ValueError(f"event type {name!r} is already registered")
            cls.event_type = name
            cls.schema_version = version
            self._classes[name] = cls
            self._validators.pop(name, None)
            return cls

        return decorate

    def upcaster(self, name: str, *, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorator: register a function turning a ``from_version`` payload into the next."""

        def decorate(fn: Upcaster) -> Upcaster:
            self._upcasters[(name, from_version)] = fn
            return fn

        return decorate

    def __contains__(self, name: str) -> bool:
        if name not in self._classes:
            self._load_sources()
        return name in self._classes

    def names(self) -> list[str]:
        """Every registered event type name, sorted."""
        self._load_sources()
        return sorted(self._classes)

    def class_for(self, name: str) -> type[Event]:
        """The class registered under ``name``; UnknownEventType if there is none."""
        if name not in self._classes:
            self._load_sources()
        try:
            return self._classes[name]
        except KeyError:
            raise UnknownEventType(
                f"event type: got {name!r}, expected one of the registered types "
                f"({len(self._classes)} known)"
            ) from None

    def create(self, name: object, payload: object) -> Event:
        """Build a registered event from its type name and a payload dict (e.g. from a file)."""
        if not isinstance(name, str):
            raise UnknownEventType(f"event type: got {name!r}, expected a type name")
        cls = self.class_for(name)
        if not isinstance(payload, dict):
            raise InvalidEvent(
                f"{name} payload: got {type(payload).__name__}, expected an object of fields"
            )
        return cls.parse_payload(payload)

    def check(self, event: object) -> Event:
        """Return ``event`` if it is an instance of a registered class, else raise."""
        if not isinstance(event, Event):
            raise InvalidEvent(f"event: got {type(event).__name__}, expected an Event instance")
        registered = self._classes.get(event.event_type)
        if registered is not type(event):
            raise UnknownEventType(
                f"event type: got {type(event).__name__!r}, expected a class registered "
                "in this store's registry"
            )
        return event

    def decode(self, name: str, schema_version: int, payload_json: str) -> Event:
        """Rebuild an event from its stored type, schema version and payload text."""
        current = self._validators.get(name)
        if current is None and name not in self._classes:
            self._load_sources()
        if current is None and (known := self._classes.get(name)) is not None:
            current = self._validators[name] = (
                known.schema_version,
                known.__pydantic_validator__.validate_json,
            )
        if current is not None and current[0] == schema_version:
            try:
                # cls.model_validate_json without its Python wrapper: every read's path.
                return current[1](payload_json)
            except ValueError:
                pass  # parse_payload below names each bad field in one line
        cls = self.class_for(name)
        if schema_version == cls.schema_version:
            return cls.parse_payload(json.loads(payload_json))
        return cls.parse_payload(self.upcast(name, schema_version, json.loads(payload_json)))

    def upcast(self, name: str, schema_version: int, payload: dict[str, Any]) -> dict[str, Any]:
        """Apply the upcasters of ``name`` from ``schema_version`` up to the current version."""
        current = self.class_for(name).schema_version
        if schema_version > current:
            raise UnknownEventType(
                f"{name} schema version: got {schema_version}, expected at most {current} "
                "(the log was written by a newer jixiao)"
            )
        for version in range(schema_version, current):
            step = self._upcasters.get((name, version))
            if step is None:
                raise UnknownEventType(
                    f"{name} schema version: got {version}, expected an upcaster to "
                    f"version {version + 1}"
                )
            payload = step(payload)
        return payload


#: The registry the domain registers its events in.
default_registry = EventRegistry()
