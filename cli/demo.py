"""`jixiao demo`: the Gusu District Red Cross 2021 report, end to end, on the embedded default."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from cli.failures import fail, reported_errors

#: Who does what in the demo: user id, name, role, scope.
PEOPLE = (
    ("zhang.san", "张三", "preparer", "gusu-rc"),
    ("li.si", "李四", "department_head", "gusu-rc"),
    ("wang.wu", "王五", "finance_reviewer", "*"),
    ("zhao.liu", "赵六", "auditor", "*"),
)


#: The files of a previous demo, deleted before a new one.
STALE = "jixiao*.db*"


def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the database and the rendered report.")
    ] = Path("jixiao-demo"),
) -> None:
    """Carry the seed report from entry to rendered HTML, PDF, XLSX and DOCX, on a SQLite file.

    Creates the department and one user per role, imports the bundled report file as the
    preparer, has the department head return it once, resubmits, collects both approvals
    and both sign-offs, lets a real worker render it, and prints where the files are and a
    summary of the audit trail. Needs no server; a previous demo in --out is replaced
    (never the database jixiao is using: --db, JIXIAO_DB or ./jixiao.db).

    Example: jixiao demo --out /tmp/jixiao-demo
    """
    from cli.context import database_files

    live = set(database_files())
    if clash := sorted(p for p in Path(out).glob(STALE) if p.resolve() in live):
        raise fail(
            f"--out: got {str(out)!r}, which holds the jixiao database file {clash[0].resolve()}; "
            f"expected a folder without it (a previous demo's {STALE} files there are deleted)"
        )
    with reported_errors():
        run_demo(out)


def say(text: str) -> None:
    """One step of the story."""
    typer.echo(text)


def run_demo(out: Path) -> None:
    """The demo itself; see :func:`demo`."""
    import workflow  # noqa: F401  (the domain's event types, known to the registry)
    from cli.seed_file import DEADLINE, SCHEME, SEED_FILE, seed_document
    from projections.audit_trail import audit_trail
    from projections.migrations import open_store
    from projections.registry import projection_runner
    from worker.runner import render_and_wait
    from workflow.commands import (
        ApproveReport,
        CancelAdjustment,
        RecordAdjustment,
        ReportKey,
        ReturnReport,
        SignOffReport,
        SubmitReport,
    )
    from workflow.report_file import document_commands
    from workflow.schemes import load_scheme
    from workflow.service import (
        Credentials,
        NewUser,
        bootstrap,
        execute,
        execute_all,
        load_report,
        set_up_department,
    )

    out = out.absolute()
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(STALE):
        stale.unlink()
    db_url = f"sqlite:///{out / 'jixiao.db'}"
    store = open_store(db_url, create=True)
    say(f"store: {db_url}")

    document = seed_document()
    department, year = document.department, document.year
    name = document.department_name or department
    admin = Credentials("admin", bootstrap(store, user_id="admin", name="管理员"))
    tokens = set_up_department(
        store,
        admin,
        code=department,
        name=name,
        year=year,
        scheme=load_scheme(SCHEME),
        deadline=DEADLINE,
        users=[NewUser(user_id, role, scope, name=who) for user_id, who, role, scope in PEOPLE],
    )
    people = {role: tokens[user_id] for user_id, _, role, _ in PEOPLE}
    say(f"admin: department {name}, fiscal year {year}, users " + ", ".join(p[0] for p in PEOPLE))

    key: ReportKey = {"department": department, "year": year}
    preparer, head, finance = (
        people["preparer"],
        people["department_head"],
        people["finance_reviewer"],
    )
    imported = execute_all(store, preparer, document_commands(document), source=SEED_FILE.name)
    say(
        f"zhang.san (preparer) imported {SEED_FILE.name}: {len(imported)} events in one transaction"
    )

    execute(store, preparer, SubmitReport(**key))
    comment = "博爱家园建设调减 4.8 万元，请注明调整依据"
    execute(store, head, ReturnReport(**key, comment=comment, items=("line:homes",)))
    say(f"li.si (department head) returned it: {comment} [line:homes]")

    line = next(ln for ln in load_report(store, **key).state.lines if ln.id == "homes")
    adjustment = line.adjustments[0]
    execute(
        store,
        preparer,
        CancelAdjustment(**key, line="homes", adjustment=adjustment.id, reason="补充调整依据"),
    )
    execute(
        store,
        preparer,
        RecordAdjustment(
            **key,
            line="homes",
            amount=adjustment.amount.raw,
            kind=str(adjustment.kind),
            reason=adjustment.reason,
            document="年中预算调整（区财政局批复）",
        ),
    )
    execute(store, preparer, SubmitReport(**key))
    say("zhang.san re-recorded the adjustment with its basis and resubmitted")

    execute(store, head, ApproveReport(**key, comment="同意"))
    execute(store, finance, ApproveReport(**key, comment="审核通过"))
    execute(store, head, SignOffReport(**key))
    signed = execute(store, finance, SignOffReport(**key))
    say(f"approved by li.si and wang.wu; signed off by both ({signed[-1].event_type})")

    say("a worker renders the signed-off revision (Celery, embedded broker) …")
    artifacts = render_and_wait(department, year, db_url=db_url, out_dir=out / "reports")
    for artifact in sorted(artifacts, key=lambda a: a.format):
        say(
            f"  {artifact.format:5} {artifact.path}  ({artifact.size:,} bytes, sha256 {artifact.sha256[:12]}…)"
        )

    runner = projection_runner(store)
    runner.setup()
    runner.catch_up()
    trail = audit_trail(store.engine, department=department, year=year)
    by_actor = Counter(f"{e.actor} ({e.role})" for e in trail)
    say(f"audit trail: {len(trail)} changes by {len(by_actor)} people; {store.verify()}")
    for who, count in by_actor.most_common():
        say(f"  {who}: {count}")
    say("the return, and what it changed:")
    for entry in trail:
        if entry.event_type == "ReportReturned" or (
            entry.item_id == "homes" and entry.event_type.startswith("Adjustment")
        ):
            say(f"  {entry.describe()}")
    auditor = people["auditor"]
    say(
        f"try: JIXIAO_USER={auditor.user_id} JIXIAO_TOKEN={auditor.token} jixiao --db {db_url} "
        f"audit trail -d {department} -y {year} --item line:homes"
    )
