"""workflow.keyed finds and changes items by key exactly as a scan of the tuple would, however
the tuples were derived from one another (a fold, its branches, renames, repeated keys)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from hypothesis import given, settings
from hypothesis import strategies as st

from workflow import keyed


@dataclass(frozen=True)
class Item:
    id: str
    name: str
    value: int = 0


def scan(items: tuple[Item, ...], key: str, attribute: str) -> Item | None:
    return next((i for i in items if getattr(i, attribute) == key), None)


def _same(new: Item, _old: Item) -> Item:
    return new


def scan_replace(items, key, change, attribute="id"):
    return tuple(change(i) if getattr(i, attribute) == key else i for i in items)


KEYS = [f"k{n}" for n in range(6)]
NAMES = [f"n{n}" for n in range(6)]
steps = st.lists(
    st.tuples(
        st.sampled_from(["append", "set", "rename", "upsert", "remove", "branch"]),
        st.sampled_from(KEYS),
        st.sampled_from(NAMES),
        st.integers(0, 3),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_every_operation_agrees_with_a_scan(script) -> None:
    # Every version ever made stays alive and is checked again at the end: a dict shared
    # along the versions must never answer for a version what another one added.
    versions: list[tuple[Item, ...]] = [()]
    current: tuple[Item, ...] = ()
    for operation, key, name, value in script:
        if operation == "append":
            expected = (*current, Item(key, name, value))
            current = keyed.append(current, Item(key, name, value))
        elif operation == "set":
            change = partial(replace, value=value)
            expected = scan_replace(current, key, change)
            current = keyed.replace(current, key, change)
        elif operation == "rename":
            change = partial(replace, name=name)
            expected = scan_replace(current, key, change)
            current = keyed.replace(current, key, change)
        elif operation == "upsert":
            new = Item(key, name, value)
            present = scan(current, key, "id") is not None
            expected = (
                scan_replace(current, key, partial(_same, new)) if present else (*current, new)
            )
            current = keyed.upsert(current, new)
        elif operation == "remove":
            expected = tuple(i for i in current if i.id != key)
            current = expected
        else:  # go back to an earlier version and carry on from there
            expected = current = versions[value % len(versions)]
        assert current == expected
        versions.append(current)
        for probe in (*KEYS, "absent"):
            assert keyed.find(current, probe) == scan(current, probe, "id")
        for probe in NAMES:
            assert keyed.find(current, probe, "name") == scan(current, probe, "name")
    for version in versions:
        for probe in KEYS:
            assert keyed.find(version, probe) == scan(version, probe, "id")
        for probe in NAMES:
            assert keyed.find(version, probe, "name") == scan(version, probe, "name")


def test_a_change_that_changes_nothing_returns_the_same_tuple() -> None:
    items = (Item("a", "x", 1), Item("b", "y", 2))
    assert keyed.replace(items, "a", lambda i: replace(i, value=1)) is items
    assert keyed.replace(items, "zzz", lambda i: replace(i, value=9)) is items
    assert keyed.upsert(items, Item("b", "y", 2)) is items
    changed = keyed.replace(items, "a", lambda i: replace(i, value=5))
    assert changed is not items
    assert changed == (Item("a", "x", 5), Item("b", "y", 2))


def test_repeated_keys_behave_as_a_scan() -> None:
    items = (Item("a", "x", 1), Item("a", "y", 2), Item("b", "z", 3))
    assert keyed.find(items, "a") == Item("a", "x", 1)
    assert keyed.replace(items, "a", lambda i: replace(i, value=0)) == (
        Item("a", "x", 0),
        Item("a", "y", 0),
        Item("b", "z", 3),
    )
    same = keyed.replace(items, "a", lambda i: i)
    assert same is items


def test_an_unhashable_key_names_no_item() -> None:
    items = (Item("a", "x"),)
    assert keyed.find(items, ["a"]) is None  # type: ignore[arg-type]


def test_a_large_import_decides_every_line_and_folds_back_to_the_same_report() -> None:
    from tests.workflow.world import NOW, make_world
    from workflow.report import fold
    from workflow.report_file import document_commands, parse_document, state_document
    from workflow.service import execute_all, load_report

    world = make_world()
    lines = [
        {"id": "total", "name": "预算资金总额", "initial": "1202"},
        {"id": "basic", "name": "基本支出", "parent": "total", "initial": "2", "actual": "2"},
        {"id": "project", "name": "项目支出", "parent": "total", "initial": "1200"},
    ]
    lines += [
        {"id": f"p{n}", "name": f"项目{n}", "parent": "project", "initial": "1", "actual": "1"}
        for n in range(1200)
    ]
    lines[5]["adjustments"] = [{"amount": "-0.5", "kind": "in_year", "reason": "压缩预算"}]
    document = {"department": "gusu-rc", "year": 2021, "budget": {"lines": lines}}
    located = document_commands(parse_document(document))
    recorded = execute_all(world.store, world.preparer, located, now=NOW)
    assert len(recorded) == 1 + 1203 * 2 + 1201 + 1
    loaded = load_report(world.store, "gusu-rc", 2021)
    replayed = fold(r.event for r in world.store.read_stream(loaded.state.report))
    assert replayed == loaded.state
    assert state_document(replayed)["budget"]["lines"][5]["adjustments"][0]["amount"] == "-0.5"
    assert [line.id for line in replayed.lines][-2:] == ["p1198", "p1199"]
    assert replayed.line("p700").name == "项目700"
    assert replayed.line_named("项目700").id == "p700"
