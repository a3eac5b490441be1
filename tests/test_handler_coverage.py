"""Adding an event or a command cannot be half done: every registered event and every command
has each of its handlers, or this fails naming what is missing. docs/contributing.md lists the
files in the order a change touches them.

- a report event: the fold (``workflow.report``), a decision that records it
  (``workflow.decisions``) and its audit-trail description (``projections.changes``);
- an administration event: the fold of its stream (``workflow.administration``, and
  ``workflow.users`` for a user's);
- a deadline reminder (``workflow.deadlines``): both, for it is recorded on a report's stream
  or on a fiscal year's;
- a report command: a decision, a row in ``workflow.authorization.PERMISSIONS`` and, when a
  person issues it, a ``jixiao`` command and a JSON API endpoint;
- an administration command: a decision, the administrators-only rule, and a ``jixiao``
  command (administration is local: it has no endpoint).

The handlers are found in the single-dispatch tables and the describer table themselves, so
a missing one fails here, not with a TypeError at the first event of its kind.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from collections.abc import Callable, Iterator
from datetime import date
from functools import singledispatch
from importlib import import_module
from types import ModuleType
from typing import Any

import pytest
import typer

import workflow  # noqa: F401  (every event type, known to the registry)
from cli.app import COMMANDS
from cli.app import app as jixiao
from events.memory import InMemoryEventStore
from events.model import Event
from events.registry import default_registry
from projections import changes
from tests.workflow.world import make_world
from web.commands import command_name
from web.routers.api_commands import router as api_commands
from workflow import administration, deadlines, decisions, report, report_events, users
from workflow.administration import AdminCommand
from workflow.authorization import PERMISSIONS, PERSON_COMMANDS
from workflow.commands import ReportCommand
from workflow.errors import NotAuthorized
from workflow.service import Credentials, execute, issue_token

#: Report commands a person issues only through the server, with no ``jixiao`` command of
#: their own. None today: every command a person issues can also be typed.
WEB_ONLY: frozenset[type[ReportCommand]] = frozenset()

#: Administration events no stream state is folded from. The bootstrap records
#: ``SystemInitialised`` once on ``system:jixiao``; that the stream has an event at all is
#: what says the store is initialised.
UNFOLDED_ADMIN_EVENTS: frozenset[type[Event]] = frozenset({administration.SystemInitialised})

#: Where a CLI command's callees are followed to find the commands it builds: the application
#: service's modules, which build some commands themselves (a token, a fiscal year with its
#: scheme).
SERVICE = "workflow.service"


def _events_of(module: ModuleType) -> list[type[Event]]:
    classes = (default_registry.class_for(name) for name in default_registry.names())
    return [cls for cls in classes if cls.__module__ == module.__name__]


def _leaves(base: type) -> list[type]:
    """The domain's commands under ``base``: its subclasses in ``workflow`` that have no
    subclasses of their own."""
    below = base.__subclasses__()
    if not below:
        return [base] if base.__module__.startswith("workflow.") else []
    return sorted({leaf for cls in below for leaf in _leaves(cls)}, key=lambda c: c.__name__)


REMINDER_EVENTS = _events_of(deadlines)
REPORT_EVENTS = _events_of(report_events) + REMINDER_EVENTS
ADMIN_EVENTS = _events_of(administration) + _events_of(users) + REMINDER_EVENTS
REPORT_COMMANDS = _leaves(ReportCommand)
ADMIN_COMMANDS = _leaves(AdminCommand)


def _handles(dispatcher: Any, cls: type) -> bool:
    """Whether a single-dispatch function has its own handler for ``cls``."""
    return dispatcher.dispatch(cls) is not dispatcher.dispatch(object)


def _ids(classes: list[type]) -> list[Any]:
    return [pytest.param(cls, id=cls.__name__) for cls in classes]


def test_every_registered_event_is_a_report_or_an_administration_event() -> None:
    # A new module of events would escape every check below: it needs checks of its own.
    modules = {default_registry.class_for(name).__module__ for name in default_registry.names()}
    assert modules == {
        report_events.__name__,
        administration.__name__,
        users.__name__,
        deadlines.__name__,
    }
    assert [deadlines.DeadlineReminderSent] == REMINDER_EVENTS
    assert {report_events.ReportOpened, report_events.RenderFailed} <= set(REPORT_EVENTS)
    assert {administration.SystemInitialised, users.TokenRevoked} <= set(ADMIN_EVENTS)


def test_the_handler_check_sees_a_missing_handler() -> None:
    @singledispatch
    def fold(event: Event) -> str:
        raise TypeError(type(event).__name__)

    @fold.register
    def _(event: report_events.ReportOpened) -> str:
        return "opened"

    assert _handles(fold, report_events.ReportOpened)
    assert not _handles(fold, report_events.ReportSubmitted)


# --- report events ----------------------------------------------------------------------


@pytest.mark.parametrize("event", _ids(REPORT_EVENTS))
def test_every_report_event_is_folded(event: type[Event]) -> None:
    assert _handles(report._apply, event), f"workflow/report.py: no _apply for {event.__name__}"


@pytest.mark.parametrize("event", _ids(REPORT_EVENTS))
def test_every_report_event_is_described_in_the_audit_trail(event: type[Event]) -> None:
    assert event in changes._DESCRIBERS, f"projections/changes.py: no @_describes({event.__name__})"


def _recorded_by_decisions() -> set[str]:
    """The report events ``workflow.decisions`` builds (``ev.<Event>(...)``, or by a name it
    imports from ``workflow.deadlines``)."""
    tree = ast.parse(inspect.getsource(decisions))
    by_module = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "ev"
    }
    by_name = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and getattr(deadlines, node.func.id, None) in REMINDER_EVENTS
    }
    return by_module | by_name


RECORDED_BY_DECISIONS = _recorded_by_decisions()


@pytest.mark.parametrize("event", _ids(REPORT_EVENTS))
def test_every_report_event_is_recorded_by_a_decision(event: type[Event]) -> None:
    assert event.__name__ in RECORDED_BY_DECISIONS, (
        f"workflow/decisions.py: no decision records ev.{event.__name__}"
    )


# --- administration events -------------------------------------------------------------


@pytest.mark.parametrize("event", _ids(ADMIN_EVENTS))
def test_every_administration_event_is_folded(event: type[Event]) -> None:
    # A department's and a fiscal year's streams hold few kinds of event, folded by name; a
    # user's stream is folded by _evolve_user, one handler per event.
    typed = any(event in taken for taken in TYPED_FOLDS.values())
    folded = typed or _handles(users._evolve_user, event)
    assert folded is (event not in UNFOLDED_ADMIN_EVENTS), (
        f"workflow/administration.py or users.py: a fold for {event.__name__}: {folded}"
    )


#: The events the department and fiscal-year folds take: a department's stream holds its
#: registration only; a fiscal year's, its opening and the reminders sent to departments
#: that had opened no report.
TYPED_FOLDS: dict[Callable[[list[Event]], object], frozenset[type[Event]]] = {
    administration.fold_department: frozenset({administration.DepartmentRegistered}),
    administration.fold_fiscal_year: frozenset(
        {administration.FiscalYearOpened, deadlines.DeadlineReminderSent}
    ),
}


@pytest.mark.parametrize("event", _ids(ADMIN_EVENTS))
def test_the_typed_folds_take_their_own_events_only(event: type[Event]) -> None:
    for fold, taken in TYPED_FOLDS.items():
        if event in taken:
            continue
        with pytest.raises(TypeError, match=f"got {event.__name__}"):
            fold([event.model_construct()])


# --- report commands --------------------------------------------------------------------


def test_the_commands_are_found() -> None:
    assert set(PERSON_COMMANDS) < set(REPORT_COMMANDS)
    assert ReportCommand not in REPORT_COMMANDS and AdminCommand not in ADMIN_COMMANDS
    # The bases of the commands on one user's stream are not commands themselves.
    assert administration.UserCommand not in ADMIN_COMMANDS
    assert {administration.RegisterUser, administration.RevokeRole} <= set(ADMIN_COMMANDS)


@pytest.mark.parametrize("command", _ids(REPORT_COMMANDS))
def test_every_report_command_is_decided(command: type[ReportCommand]) -> None:
    assert _handles(decisions._decide, command), (
        f"workflow/decisions.py: no _decide for {command.__name__}"
    )


@pytest.mark.parametrize("command", _ids(REPORT_COMMANDS))
def test_every_report_command_has_an_authorisation_row(command: type[ReportCommand]) -> None:
    rule = PERMISSIONS.get(command)
    assert rule, f"workflow/authorization.py: no PERMISSIONS row for {command.__name__}"
    assert all(stages for stages in rule.values()), command.__name__


# --- the faces ----------------------------------------------------------------------------


def _cli_commands(app: typer.Typer, prefix: str = "jixiao") -> Iterator[tuple[str, Callable]]:
    """Every ``jixiao`` command with its callback, by its full name."""
    for info in app.registered_commands:
        assert info.callback is not None
        name = info.name or info.callback.__name__.replace("_", "-")
        yield f"{prefix} {name}", info.callback
    for group in app.registered_groups:
        assert group.typer_instance is not None and group.name
        yield from _cli_commands(group.typer_instance, f"{prefix} {group.name}")
    if app is jixiao:
        # The root's nouns and commands load when run (cli.app.COMMANDS): import each here.
        for name, where in COMMANDS.items():
            module, attribute = where.split(":")
            target = getattr(import_module(module), attribute)
            if isinstance(target, typer.Typer):
                yield from _cli_commands(target, f"{prefix} {name}")
            else:
                yield f"{prefix} {name}", target


def _built(function: Callable, follow: int = 1) -> set[type]:
    """The classes ``function`` calls by name, its own imports included, and (``follow``
    levels deep) those built by the application-service functions it calls (two: a service
    function may hand the building to a private one beside it)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    namespace = dict(function.__globals__)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = importlib.import_module(node.module)
            for alias in node.names:
                namespace[alias.asname or alias.name] = getattr(module, alias.name)
    built: set[type] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        called = namespace.get(node.func.id)
        if isinstance(called, type):
            built.add(called)
        elif follow and inspect.isfunction(called) and called.__module__.startswith(SERVICE):
            built |= _built(called, follow - 1)
    return built


CLI_COMMANDS = dict(_cli_commands(jixiao))
CLI_BUILT = {name: _built(callback, follow=2) for name, callback in CLI_COMMANDS.items()}


def _typed_by(command: type) -> list[str]:
    return sorted(name for name, built in CLI_BUILT.items() if command in built)


def test_the_cli_scan_finds_commands_typed_and_built_by_the_service() -> None:
    from workflow.administration import IssueToken
    from workflow.commands import SetInitialBudget

    assert _typed_by(SetInitialBudget) == ["jixiao report line initial"]
    # `user token` calls workflow.service.issue_token, which builds the IssueToken, as
    # `init`'s bootstrap does for the first administrator.
    assert _typed_by(IssueToken) == ["jixiao admin init", "jixiao admin user token"]


@pytest.mark.parametrize("command", _ids(list(PERSON_COMMANDS)))
def test_every_command_a_person_issues_has_a_cli_command(command: type[ReportCommand]) -> None:
    typed = _typed_by(command)
    if command in WEB_ONLY:
        assert typed == [], f"{command.__name__} is listed web-only but {typed} build it"
    else:
        assert typed, f"cli/: no jixiao command builds {command.__name__}"


ENDPOINTS = {getattr(route, "name", None) for route in api_commands.routes}


@pytest.mark.parametrize("command", _ids(list(PERSON_COMMANDS)))
def test_every_command_a_person_issues_has_an_api_endpoint(command: type[ReportCommand]) -> None:
    assert command_name(command) in ENDPOINTS, f"web/: no endpoint for {command.__name__}"


def test_commands_of_the_system_have_no_face() -> None:
    # The render worker's results and the reminder pass's reminders.
    system = set(REPORT_COMMANDS) - set(PERSON_COMMANDS)
    assert {c.__name__ for c in system} == {
        "RecordRendering",
        "RecordRenderFailure",
        "RemindOfDeadline",
    }
    assert not [name for name, built in CLI_BUILT.items() if built & system]
    assert not {command_name(c) for c in system} & ENDPOINTS


# --- administration commands ------------------------------------------------------------

Issue = Callable[[InMemoryEventStore, Credentials], object]


def _executed(command: AdminCommand) -> Issue:
    return lambda store, who: execute(store, who, command)


#: How each administration command is issued through the service, with valid-looking values.
ADMIN_ISSUED: dict[type[AdminCommand], Issue] = {
    administration.RegisterDepartment: _executed(
        administration.RegisterDepartment(code="wuzhong-rc", name="吴中区红十字会")
    ),
    administration.RegisterUser: _executed(
        administration.RegisterUser(user_id="qian.qi", name="钱七")
    ),
    administration.ChangeUserEmail: _executed(
        administration.ChangeUserEmail(user_id="zhang.san", email="zhang.san@example.gov.cn")
    ),
    administration.GrantRole: _executed(
        administration.GrantRole(user_id="zhang.san", role="auditor", department="*")
    ),
    administration.RevokeRole: _executed(
        administration.RevokeRole(user_id="zhang.san", role="preparer", department="gusu-rc")
    ),
    # The service generates the token and returns it, once.
    administration.IssueToken: lambda store, who: issue_token(store, who, "zhang.san"),
    administration.RevokeToken: _executed(
        administration.RevokeToken(user_id="zhang.san", token_id="t1")
    ),
    administration.OpenFiscalYear: _executed(
        administration.OpenFiscalYear(year=2022, scheme="default", deadline=date(2023, 6, 30))
    ),
}


def test_every_administration_command_has_a_way_to_issue_it_here() -> None:
    assert set(ADMIN_ISSUED) == set(ADMIN_COMMANDS)


@pytest.mark.parametrize("command", _ids(ADMIN_COMMANDS))
def test_every_administration_command_is_decided(command: type[AdminCommand]) -> None:
    assert _handles(administration._decide, command), (
        f"workflow/administration.py: no _decide for {command.__name__}"
    )


@pytest.mark.parametrize("command", _ids(ADMIN_COMMANDS))
def test_every_administration_command_is_for_administrators_only(
    command: type[AdminCommand],
) -> None:
    world = make_world()
    before = world.appended()
    with pytest.raises(NotAuthorized) as caught:
        ADMIN_ISSUED[command](world.store, world.preparer)
    assert str(caught.value) == (
        "user zhang.san role: got preparer@gusu-rc, expected admin@* to administer"
    )
    assert world.appended() == before


@pytest.mark.parametrize("command", _ids(ADMIN_COMMANDS))
def test_every_administration_command_has_a_cli_command(command: type[AdminCommand]) -> None:
    typed = _typed_by(command)
    assert [name for name in typed if name.startswith("jixiao admin ")], (
        f"cli/admin.py: no jixiao admin command builds {command.__name__}"
    )
