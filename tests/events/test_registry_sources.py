"""A registry's sources: modules of event classes imported at the first name it does not
know, so that a process decoding only the types it imported loads no others."""

from __future__ import annotations

import copy
import threading
import time

import pytest

from events import Event, EventRegistry, UnknownEventType


def _registry_with_a_source() -> tuple[EventRegistry, list[str]]:
    """A registry that knows ``Known`` and whose source registers ``Later`` (slowly)."""
    registry = EventRegistry()
    loads: list[str] = []

    @registry.register("Known")
    class Known(Event):
        value: int

    def load() -> None:
        loads.append("loaded")
        time.sleep(0.05)  # a slow import: a second thread must wait for it, not miss

        @registry.register("Later")
        class Later(Event):
            text: str

    registry.add_source(load)
    return registry, loads


def test_a_known_name_loads_no_source() -> None:
    registry, loads = _registry_with_a_source()
    assert registry.decode("Known", 1, '{"value": 3}').model_dump() == {"value": 3}
    assert "Known" in registry
    assert loads == []


def test_an_unknown_name_loads_every_source_once() -> None:
    registry, loads = _registry_with_a_source()
    assert registry.decode("Later", 1, '{"text": "年度"}').model_dump() == {"text": "年度"}
    assert registry.class_for("Later").event_type == "Later"
    assert registry.names() == ["Known", "Later"]
    assert loads == ["loaded"]


@pytest.mark.parametrize(
    "look_up",
    [
        lambda r: r.class_for("Later"),
        lambda r: r.create("Later", {"text": "x"}),
        lambda r: r.decode("Later", 1, '{"text": "x"}'),
    ],
    ids=["class_for", "create", "decode"],
)
def test_every_lookup_finds_what_a_source_registers(look_up) -> None:
    registry, loads = _registry_with_a_source()
    assert look_up(registry).event_type == "Later"
    assert loads == ["loaded"]


def test_a_name_no_source_registers_is_still_refused_in_one_line() -> None:
    registry, loads = _registry_with_a_source()
    assert "Missing" not in registry
    with pytest.raises(UnknownEventType, match=r"got 'Missing', expected one of .*\(2 known\)"):
        registry.class_for("Missing")
    assert loads == ["loaded"]


def test_threads_looking_up_at_once_wait_for_the_source() -> None:
    registry, loads = _registry_with_a_source()
    found: list[object] = []
    threads = [
        threading.Thread(target=lambda: found.append(registry.class_for("Later"))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 4 and len(set(found)) == 1
    assert loads == ["loaded"]


def test_a_copy_of_a_holder_shares_the_registry() -> None:
    registry, _ = _registry_with_a_source()
    holder = {"registry": registry}
    assert copy.deepcopy(holder)["registry"] is registry
