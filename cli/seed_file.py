"""The bundled seed report (姑苏区红十字会 2021) as a report file, and how it is made."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: The seed report in the jixiao-report format, shipped with the package.
SEED_FILE = Path(str(resources.files("cli") / "data" / "gusu-redcross-2021.yaml"))


def seed_document_text() -> str:
    """The seed report's document as YAML, built from workflow.seed_data through the domain."""
    from cli.files import dump_yaml
    from events.memory import InMemoryEventStore
    from workflow.administration import GrantRole, OpenFiscalYear, RegisterDepartment, RegisterUser
    from workflow.report_file import state_document
    from workflow.seed_data import DEADLINE, DEPARTMENT_CODE, DEPARTMENT_NAME, YEAR, seed_commands
    from workflow.service import Credentials, bootstrap, execute, issue_token, load_report
    from workflow.tokens import KdfParams

    cheap = KdfParams(n=16, r=1, p=1)
    store = InMemoryEventStore()
    admin = Credentials("admin", bootstrap(store, user_id="admin", name="admin", kdf=cheap))
    execute(store, admin, RegisterDepartment(code=DEPARTMENT_CODE, name=DEPARTMENT_NAME))
    execute(store, admin, OpenFiscalYear(year=YEAR, scheme="default", deadline=DEADLINE))
    execute(store, admin, RegisterUser(user_id="preparer", name="preparer"))
    execute(
        store, admin, GrantRole(user_id="preparer", role="preparer", department=DEPARTMENT_CODE)
    )
    preparer = Credentials("preparer", issue_token(store, admin, "preparer", kdf=cheap))
    for command in seed_commands():
        execute(store, preparer, command)
    document = state_document(load_report(store, DEPARTMENT_CODE, YEAR).state)
    header = (
        "# 姑苏区红十字会 2021 年度部门整体支出绩效自评价: the seed report, jixiao-report format.\n"
        "# Import it with: jixiao report import gusu-redcross-2021.yaml\n"
    )
    return header + dump_yaml(document)
