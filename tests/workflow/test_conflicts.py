"""Another writer appending between a command's read and its append.

Without an expected version the command is read and decided again on the report as it
now is, so only a real conflict is refused; with one, the caller decided on what they saw
and a conflict is refused at once. A fake store lets a rival's command land first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from events.memory import InMemoryEventStore
from tests.workflow.report_builders import KEY
from tests.workflow.world import NOW, World
from workflow.administration import GrantRole, RegisterUser
from workflow.commands import SetInitialBudget, SubmitReport
from workflow.errors import StaleVersion, WrongStage
from workflow.service import (
    authenticate,
    deciding,
    execute,
    execute_all,
    execute_as,
    issue_token,
    load_report_stream,
)

STREAM = "report:gusu-rc:2021"


class RivalFirst:
    """The world's store, except that before each of the next ``times`` appends to
    ``stream_id`` a rival's command is executed on the store itself, so the append finds
    the stream moved on and the store raises its real ConcurrencyError."""

    def __init__(
        self, store: InMemoryEventStore, stream_id: str, rival: Callable[[], Any], times: int = 1
    ) -> None:
        self.store, self.stream_id, self.rival, self.times = store, stream_id, rival, times
        self.rivals = 0

    def append(self, stream_id: str, expected_version: int, events, **options):
        if stream_id == self.stream_id and self.rivals < self.times:
            self.rivals += 1
            self.rival()
        return self.store.append(stream_id, expected_version, events, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


class StreamReads:
    """The world's store (or a RivalFirst over it), counting the reads of ``stream_id``."""

    def __init__(self, store: Any, stream_id: str) -> None:
        self.store, self.stream_id, self.reads = store, stream_id, 0

    def read_stream(self, stream_id: str, **cut: Any):
        if stream_id == self.stream_id:
            self.reads += 1
        return self.store.read_stream(stream_id, **cut)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def set_initial(world: World, line: str, amount: str) -> Callable[[], Any]:
    """The preparer's command setting a line's initial budget, run on the world's store."""
    command = SetInitialBudget(**KEY, line=line, amount=amount)
    return lambda: execute(world.store, world.preparer, command, now=NOW)


def initial(world: World, line: str) -> list[tuple[str, str]]:
    """(actor, amount) of every InitialBudgetSet recorded for ``line``."""
    return [
        (r.actor, r.event.amount.raw)
        for r in world.store.read_stream(STREAM)
        if r.event_type == "InitialBudgetSet" and r.event.line == line
    ]


def test_without_an_expected_version_a_lost_race_is_decided_again(seeded: World) -> None:
    store = RivalFirst(seeded.store, STREAM, set_initial(seeded, "basic", "261"))
    version = seeded.store.stream_version(STREAM)
    recorded = execute(store, seeded.preparer, SetInitialBudget(**KEY, line="homes", amount="9"))
    assert store.rivals == 1
    assert [(r.event_type, r.version) for r in recorded] == [("InitialBudgetSet", version + 2)]
    assert initial(seeded, "basic")[-1] == ("zhang.san", "261")
    assert initial(seeded, "homes")[-1] == ("zhang.san", "9")
    assert seeded.store.stream_version(STREAM) == version + 2


def test_with_an_expected_version_a_lost_race_is_refused_and_records_nothing(
    seeded: World,
) -> None:
    store = RivalFirst(seeded.store, STREAM, set_initial(seeded, "basic", "261"))
    version = seeded.store.stream_version(STREAM)
    command = SetInitialBudget(**KEY, line="homes", amount="9")
    with pytest.raises(StaleVersion) as refused:
        execute(store, seeded.preparer, command, expected_version=version)
    assert str(refused.value) == (
        f"stream '{STREAM}': expected version {version}, but it is at version {version + 1}; "
        "reload the stream and try again"
    )
    assert store.rivals == 1 and initial(seeded, "homes") == [("zhang.san", "8")]
    assert seeded.store.stream_version(STREAM) == version + 1


def test_deciding_again_checks_every_rule_against_the_report_as_it_now_is(
    seeded: World,
) -> None:
    # The report was submitted meanwhile: the edit is now refused by the stage rule.
    submit = lambda: execute(seeded.store, seeded.preparer, SubmitReport(**KEY), now=NOW)  # noqa: E731
    store = RivalFirst(seeded.store, STREAM, submit)
    version = seeded.store.stream_version(STREAM)
    with pytest.raises(WrongStage):
        execute(store, seeded.preparer, SetInitialBudget(**KEY, line="homes", amount="9"))
    types = [r.event_type for r in seeded.store.read_stream(STREAM, from_version=version + 1)]
    assert types == ["ReportSubmitted"]


def test_the_same_value_set_meanwhile_records_nothing_the_second_time(seeded: World) -> None:
    store = RivalFirst(seeded.store, STREAM, set_initial(seeded, "homes", "9"))
    assert execute(store, seeded.preparer, SetInitialBudget(**KEY, line="homes", amount="9")) == []
    assert initial(seeded, "homes") == [("zhang.san", "8"), ("zhang.san", "9")]


def test_deciding_again_is_bounded_then_refused_in_one_line(
    seeded: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deciding, "RETRY_PAUSE_MAX", 0.0001)
    amounts = iter(range(100, 1000))
    store = RivalFirst(
        seeded.store, STREAM, lambda: set_initial(seeded, "basic", str(next(amounts)))(), 900
    )
    version = seeded.store.stream_version(STREAM)
    with pytest.raises(StaleVersion) as refused:
        execute(store, seeded.preparer, SetInitialBudget(**KEY, line="homes", amount="9"))
    attempts = deciding.DECIDE_ATTEMPTS
    assert store.rivals == attempts
    assert str(refused.value) == (
        f"stream '{STREAM}': got a change from another writer before each of {attempts} "
        f"attempts (now at version {version + attempts}), expected a moment with fewer "
        "writers; try again"
    )
    assert initial(seeded, "homes") == [("zhang.san", "8")]


def test_many_commands_as_one_change_are_decided_again_together(seeded: World) -> None:
    store = RivalFirst(seeded.store, STREAM, set_initial(seeded, "basic", "261"))
    commands = [
        ("lines[0]", SetInitialBudget(**KEY, line="homes", amount="9")),
        ("lines[1]", SetInitialBudget(**KEY, line="it", amount="3")),
    ]
    decided: list[int] = []
    recorded = execute_all(store, seeded.preparer, commands, now=NOW, progress=decided.append)
    assert [r.event.line for r in recorded] == ["homes", "it"]
    assert decided == [1, 2, 1, 2]
    assert initial(seeded, "basic")[-1] == ("zhang.san", "261")
    version = seeded.store.stream_version(STREAM)
    store.rival, store.times = set_initial(seeded, "basic", "262"), 2
    again = [("lines[0]", SetInitialBudget(**KEY, line="homes", amount="10"))]
    with pytest.raises(StaleVersion):
        execute_all(store, seeded.preparer, again, now=NOW, expected_version=version)
    assert initial(seeded, "homes")[-1] == ("zhang.san", "9")


def test_administration_commands_are_decided_again_too(world: World) -> None:
    execute(world.store, world.admin, RegisterUser(user_id="qian.qi", name="钱七"))
    rival = lambda: issue_token(world.store, world.admin, "qian.qi")  # noqa: E731
    store = RivalFirst(world.store, "user:qian.qi", rival)
    grant = GrantRole(user_id="qian.qi", role="preparer", department="gusu-rc")
    recorded = execute(store, world.admin, grant)
    assert store.rivals == 1 and [r.version for r in recorded] == [3]
    types = [r.event_type for r in world.store.read_stream("user:qian.qi")]
    assert types == ["UserRegistered", "TokenIssued", "RoleGranted"]
    store.times += 1
    version = world.store.stream_version("user:qian.qi")
    auditor = GrantRole(user_id="qian.qi", role="auditor", department="*")
    with pytest.raises(StaleVersion):
        execute(store, world.admin, auditor, expected_version=version)
    assert world.store.stream_version("user:qian.qi") == version + 1


def test_a_report_just_read_to_its_end_is_decided_on_without_reading_it_again(
    seeded: World,
) -> None:
    store = StreamReads(seeded.store, STREAM)
    actor = authenticate(seeded.store, seeded.preparer).actor()
    loaded = load_report_stream(seeded.store, STREAM)
    command = SetInitialBudget(**KEY, line="homes", amount="9")
    recorded = execute_as(store, actor, command, now=NOW, loaded=loaded, current=True)
    assert store.reads == 0
    assert [(r.event_type, r.version) for r in recorded] == [
        ("InitialBudgetSet", loaded.version + 1)
    ]
    # Without ``current`` the stream is asked for what followed the report given.
    again = SetInitialBudget(**KEY, line="homes", amount="10")
    after = load_report_stream(seeded.store, STREAM)
    execute_as(store, actor, again, now=NOW, loaded=after)
    assert store.reads == 1 and initial(seeded, "homes")[-1] == ("zhang.san", "10")


def test_a_change_that_beat_a_report_just_read_is_read_and_decided_on_again(
    seeded: World,
) -> None:
    # The rival lands between the read and the append: the append is refused by its
    # version, and the second attempt reads what beat it; both changes are kept.
    rival = RivalFirst(seeded.store, STREAM, set_initial(seeded, "basic", "261"))
    store = StreamReads(rival, STREAM)
    actor = authenticate(seeded.store, seeded.preparer).actor()
    loaded = load_report_stream(seeded.store, STREAM)
    command = SetInitialBudget(**KEY, line="homes", amount="9")
    recorded = execute_as(store, actor, command, now=NOW, loaded=loaded, current=True)
    assert rival.rivals == 1 and store.reads == 1
    assert [r.version for r in recorded] == [loaded.version + 2]
    assert initial(seeded, "basic")[-1] == ("zhang.san", "261")
    assert initial(seeded, "homes")[-1] == ("zhang.san", "9")
    # The rival set the very figure meanwhile: decided again, the command records nothing.
    store = StreamReads(RivalFirst(seeded.store, STREAM, set_initial(seeded, "homes", "7")), STREAM)
    loaded = load_report_stream(seeded.store, STREAM)
    again = SetInitialBudget(**KEY, line="homes", amount="7")
    assert execute_as(store, actor, again, now=NOW, loaded=loaded, current=True) == []
    assert store.reads == 1 and initial(seeded, "homes")[-2:] == [
        ("zhang.san", "9"),
        ("zhang.san", "7"),
    ]
