"""`jixiao admin`: the database, departments, users and their roles and tokens, fiscal years."""

from __future__ import annotations

import tomllib
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.admin_layout import app as layout_app
from cli.context import (
    credentials,
    migrate_database,
    open_store,
    report_recorded,
    run,
    settings,
)
from cli.failures import fail, reported_errors
from cli.options import JsonOption
from cli.output import print_json, print_table

if TYPE_CHECKING:
    from events.store import EventStore
    from workflow.schemes import Scheme

app = typer.Typer(
    help="Administration: the database, departments, users, roles, tokens, fiscal years.",
    no_args_is_help=True,
)
department_app = typer.Typer(help="Budget departments.", no_args_is_help=True)
user_app = typer.Typer(help="Users, their roles and their tokens.", no_args_is_help=True)
year_app = typer.Typer(help="Fiscal years and their evaluation schemes.", no_args_is_help=True)
scheme_app = typer.Typer(help="Evaluation schemes shipped with jixiao.", no_args_is_help=True)
app.add_typer(department_app, name="department")
app.add_typer(user_app, name="user")
app.add_typer(year_app, name="year")
app.add_typer(scheme_app, name="scheme")
app.add_typer(layout_app, name="layout")


@app.command()
def init(
    admin: Annotated[
        str | None,
        typer.Option(help="Create this first administrator and print their token (once only)."),
    ] = None,
    name: Annotated[str, typer.Option(help="The administrator's display name.")] = "管理员",
) -> None:
    """Create the database's tables and guards (or migrate them to the latest schema); with
    --admin, the first administrator.

    Safe to run again. The administrator's token is printed once: keep it secret. Run it
    as a database role that may create tables; every other command needs only
    SELECT, INSERT, UPDATE and DELETE.

    Example: jixiao --db sqlite:///jixiao.db admin init --admin admin
    """
    from events.database import database_url
    from workflow.service import bootstrap

    typer.echo(migrate_database(create=True))
    store = open_store(create=True)
    where = database_url(settings().db)
    typer.echo(f"event store ready at {where} (log at position {store.head_position()})")
    if admin:
        with reported_errors():
            token = bootstrap(store, user_id=admin, name=name)
        typer.echo(f"administrator {admin} created; token (shown once): {token}")


@app.command()
def migrate(as_json: JsonOption = False) -> None:
    """Migrate an existing database to the schema this jixiao needs; prints from → to.

    Also recognises a database made by a jixiao from before migrations (its tables, no
    version table) and brings it under them. Safe to run again: an up-to-date database is
    left as it is. Run it as a role that may create and alter tables, after upgrading
    jixiao and before starting its other commands.

    Example: jixiao --db postgresql://jixiao_owner@db.example/jixiao admin migrate
    """
    migration = migrate_database()
    if as_json:
        print_json(
            {
                "before": list(migration.before) if migration.before is not None else None,
                "after": list(migration.after),
                "unversioned": migration.unversioned,
            }
        )
    else:
        typer.echo(migration)


@department_app.command("add")
def department_add(
    code: Annotated[str, typer.Argument(help="Department code: lower-case letters, digits, - _.")],
    name: Annotated[str, typer.Argument(help="The department's name, e.g. 姑苏区红十字会.")],
    parent: Annotated[str | None, typer.Option(help="Code of the parent department.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a budget department.

    Example: jixiao admin department add gusu-rc 姑苏区红十字会
    """
    from workflow.administration import RegisterDepartment

    run(RegisterDepartment(code=code, name=name, parent=parent), as_json=as_json)


@user_app.command("add")
def user_add(
    user_id: Annotated[str, typer.Argument(help="User id: lower-case letters, digits, . - _.")],
    name: Annotated[str, typer.Argument(help="The person's name.")],
    email: Annotated[
        str | None,
        typer.Option(help="Their e-mail address, for deadline reminders (optional)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a user (then grant a role and issue a token).

    Example: jixiao admin user add zhang.san 张三 --email zhang.san@example.gov.cn
    """
    from workflow.administration import RegisterUser

    run(RegisterUser(user_id=user_id, name=name, email=email), as_json=as_json)


@user_app.command("email")
def user_email(
    user_id: Annotated[str, typer.Argument(help="The user.")],
    address: Annotated[
        str | None,
        typer.Argument(help="Their e-mail address; leave out to remove the one on record."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Set (or remove) the e-mail address a user's deadline reminders go to.

    Example: jixiao admin user email zhang.san zhang.san@example.gov.cn
    """
    from workflow.administration import ChangeUserEmail

    run(ChangeUserEmail(user_id=user_id, email=address), as_json=as_json)


RoleArgument = Annotated[
    str,
    typer.Argument(help="preparer, department_head, finance_reviewer, auditor or admin."),
]
ScopeArgument = Annotated[
    str, typer.Argument(help="Department code, or * for every department (finance, audit, admin).")
]


@user_app.command("grant")
def user_grant(
    user_id: Annotated[str, typer.Argument(help="The user.")],
    role: RoleArgument,
    department: ScopeArgument,
    as_json: JsonOption = False,
) -> None:
    """Grant a user a role in a department.

    Example: jixiao admin user grant zhang.san preparer gusu-rc
    """
    from workflow.administration import GrantRole

    command = GrantRole(user_id=user_id, role=role, department=department)
    run(command, as_json=as_json)


@user_app.command("revoke")
def user_revoke(
    user_id: Annotated[str, typer.Argument(help="The user.")],
    role: RoleArgument,
    department: ScopeArgument,
    as_json: JsonOption = False,
) -> None:
    """Revoke a role a user holds in a department.

    Example: jixiao admin user revoke zhang.san preparer gusu-rc
    """
    from workflow.administration import RevokeRole

    command = RevokeRole(user_id=user_id, role=role, department=department)
    run(command, as_json=as_json)


@user_app.command("token")
def user_token(
    user_id: Annotated[str, typer.Argument(help="The user who gets a new token.")],
    as_json: JsonOption = False,
) -> None:
    """Issue a new token to a user; it is printed once and stored only as a salted hash.

    Example: jixiao admin user token zhang.san
    """
    from workflow.service import issue_token

    caller = credentials()
    store = open_store()
    with reported_errors():
        secret = issue_token(store, caller, user_id)
    if as_json:
        print_json({"user": user_id, "token": secret})
    else:
        typer.echo(f"token for {user_id} (shown once): {secret}")


@user_app.command("revoke-token")
def user_revoke_token(
    user_id: Annotated[str, typer.Argument(help="The token's owner.")],
    token_id: Annotated[
        str,
        typer.Argument(
            help="The token id (see `admin user tokens USER`): the part before the dot."
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Revoke one of a user's tokens (for example one that leaked).

    Example: jixiao admin user revoke-token zhang.san 3f9a1c
    """
    from workflow.administration import RevokeToken

    run(RevokeToken(user_id=user_id, token_id=token_id), as_json=as_json)


def _scheme(name_or_file: str) -> Scheme:
    """A bundled scheme by name, or a region's scheme from its .toml file."""
    from workflow.schemes import load_scheme, parse_scheme

    path = Path(name_or_file)
    if path.suffix != ".toml":
        with reported_errors():
            return load_scheme(name_or_file)
    from cli.files import read_file

    with reported_errors():
        text = read_file(name_or_file, "scheme file", "a UTF-8 .toml file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise fail(f"scheme file {name_or_file}: {error}, expected valid TOML") from None
    with reported_errors():
        return parse_scheme(data, source=str(path))


@year_app.command("open")
def year_open(
    year: Annotated[int, typer.Argument(help="The fiscal year evaluated, e.g. 2021.")],
    deadline: Annotated[
        str, typer.Option(help="Submission deadline, YYYY-MM-DD (after the year ends).")
    ],
    scheme: Annotated[
        str, typer.Option(help="A bundled scheme name or a path to a scheme .toml file.")
    ] = "default",
    as_json: JsonOption = False,
) -> None:
    """Open a fiscal year for evaluation under a scheme, with its deadline.

    Example: jixiao admin year open 2021 --deadline 2022-06-30 --scheme national-10-90
    """
    from workflow.service import open_fiscal_year

    try:
        due = date.fromisoformat(deadline)
    except ValueError:
        raise fail(f"deadline: got {deadline!r}, expected a date YYYY-MM-DD") from None
    chosen = _scheme(scheme)
    caller = credentials()
    store = open_store()
    with reported_errors():
        events = open_fiscal_year(store, caller, year, due, chosen)
    report_recorded(events, as_json)


@scheme_app.command("list")
def scheme_list(as_json: JsonOption = False) -> None:
    """List the bundled evaluation schemes.

    Example: jixiao admin scheme list
    """
    from workflow.schemes import load_scheme, scheme_names

    schemes = [load_scheme(name) for name in scheme_names()]
    rows = [
        {"id": s.id, "title": s.title, "scored": s.scoring.enabled, "signoff": s.signoff.rule}
        for s in schemes
    ]
    if as_json:
        print_json(rows)
    else:
        print_table("schemes", ["id", "title", "scored", "sign-off"], [r.values() for r in rows])


@scheme_app.command("show")
def scheme_show(
    name: Annotated[str, typer.Argument(help="A bundled scheme name or a .toml file.")],
    as_json: JsonOption = False,
) -> None:
    """Print a scheme's full settings as JSON (with or without --json: there is no table).

    Example: jixiao admin scheme show national-10-90 --json
    """
    print_json(_scheme(name).model_dump(mode="json"))


def _administrator() -> EventStore:
    """The store, once the caller is signed in as an administrator (admin@*)."""
    from cli.context import reader
    from workflow.administration import require_admin

    store = open_store()
    actor = reader(store)
    with reported_errors():
        require_admin(actor)
    return store


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else ""


@department_app.command("list")
def department_list(as_json: JsonOption = False) -> None:
    """List the registered departments: code, name and parent.

    Example: jixiao admin department list
    """
    from workflow.service.directory import departments

    store = _administrator()
    with reported_errors():
        rows = [{"code": d.code, "name": d.name, "parent": d.parent} for d in departments(store)]
    if as_json:
        print_json(rows)
    else:
        print_table("departments", ["code", "name", "parent"], [r.values() for r in rows])


@user_app.command("list")
def user_list(as_json: JsonOption = False) -> None:
    """List the registered users: id, name, e-mail, roles and how many tokens are current.

    Example: jixiao admin user list
    """
    from workflow.service.directory import users

    store = _administrator()
    with reported_errors():
        rows: list[dict[str, Any]] = [
            {
                "user": u.user_id,
                "name": u.name,
                "email": u.email,
                "grants": [g.describe() for g in u.grants],
                "tokens": sum(not t.revoked for t in u.tokens),
            }
            for u in users(store)
        ]
    if as_json:
        print_json(rows)
        return
    print_table(
        "users",
        ["user", "name", "email", "roles", "tokens"],
        [[r["user"], r["name"], r["email"], "\n".join(r["grants"]), r["tokens"]] for r in rows],
    )


@user_app.command("tokens")
def user_tokens(
    user_id: Annotated[str, typer.Argument(help="The tokens' owner.")],
    as_json: JsonOption = False,
) -> None:
    """List a user's tokens: the ids `revoke-token` takes, when and by whom each was
    issued and revoked, and when the server last saw it used (never a secret: those are
    shown once, when issued).

    Example: jixiao admin user tokens zhang.san
    """
    from projections.token_uses import last_uses
    from workflow.service.directory import tokens

    store = _administrator()
    with reported_errors():
        entries = tokens(store, user_id)
        used = last_uses(store.engine, user_id)
    if as_json:
        print_json(
            [
                {
                    **asdict(t),
                    "last_used": used[t.token_id][0] if t.token_id in used else None,
                    "last_used_via": used[t.token_id][1] if t.token_id in used else None,
                }
                for t in entries
            ]
        )
        return
    print_table(
        f"tokens of {user_id}",
        ["id", "issued", "by", "status", "last used"],
        [
            [
                t.token_id,
                _when(t.created),
                t.issued_by,
                f"revoked {_when(t.revoked)} by {t.revoked_by}" if t.revoked else "current",
                f"{_when(used[t.token_id][0])} ({used[t.token_id][1]})"
                if t.token_id in used
                else "never (through the server)",
            ]
            for t in entries
        ],
    )


@year_app.command("list")
def year_list(as_json: JsonOption = False) -> None:
    """List the opened fiscal years: scheme, deadline.

    Example: jixiao admin year list
    """
    from workflow.service.directory import fiscal_years

    store = _administrator()
    with reported_errors():
        rows = [
            {
                "year": y.year,
                "scheme": y.scheme.id if y.scheme else None,
                "title": y.scheme.title if y.scheme else None,
                "deadline": y.deadline,
            }
            for y in fiscal_years(store)
        ]
    if as_json:
        print_json(rows)
    else:
        print_table(
            "fiscal years", ["year", "scheme", "title", "deadline"], [r.values() for r in rows]
        )
