"""Reads authenticate and apply the read rule (workflow.visibility) in the CLI too."""

from __future__ import annotations

import json

import pytest

from cli.seed_file import SEED_FILE
from tests.cli.conftest import KEY, TOKEN, Invoke

READS = (
    ("report", "show", *KEY),
    ("report", "export", *KEY),
    ("report", "list"),
    ("report", "overview", "2021"),
    ("review", "inbox"),
    ("audit", "trail", *KEY),
    ("audit", "as-of", *KEY, "1"),
    ("audit", "diff", *KEY, "1", "2"),
    ("audit", "replay", "2021"),
)


@pytest.fixture
def imported(admin: Invoke) -> Invoke:
    """The seed imported as a draft, and a preparer of another department (sun.qi)."""
    out = admin("report", "import", str(SEED_FILE), user="zhang.san")
    assert out.exit_code == 0, out.stderr
    for step in (
        ("admin", "department", "add", "other-dept", "另一部门"),
        ("admin", "user", "add", "sun.qi", "孙七"),
        ("admin", "user", "grant", "sun.qi", "preparer", "other-dept"),
    ):
        assert admin(*step, user="root").exit_code == 0
    out = admin("admin", "user", "token", "sun.qi", user="root")
    admin.tokens["sun.qi"] = TOKEN.search(out.stdout).group(1)  # type: ignore[attr-defined]
    return admin


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a[:2]))
def test_an_unknown_user_with_a_bad_token_reads_nothing(imported: Invoke, args, tmp_path) -> None:
    imported.tokens["nobody"] = "bad"  # type: ignore[attr-defined]
    if args[1] == "replay":
        args = (*args, "-o", str(tmp_path))
    out = imported(*args, user="nobody")
    assert (out.exit_code, out.stdout) == (1, "")
    assert out.stderr == (
        "error: user 'nobody': unknown user or token, expected a current token issued to "
        "this user\n"
    )


def test_a_known_user_with_a_wrong_token_reads_nothing(imported: Invoke) -> None:
    imported.tokens["zhang.san"] = "0000.not-the-token"  # type: ignore[attr-defined]
    out = imported("report", "show", *KEY, "--json", user="zhang.san")
    assert (out.exit_code, out.stdout) == (1, "")
    assert "unknown user or token" in out.stderr


def test_a_read_without_credentials_is_a_usage_error(imported: Invoke) -> None:
    out = imported("report", "show", *KEY, user=None)
    assert (out.exit_code, out.stdout) == (2, "")
    assert out.stderr == "error: user: missing, expected --user or JIXIAO_USER\n"


def test_another_departments_draft_is_not_found(imported: Invoke) -> None:
    out = imported("report", "show", *KEY, user="sun.qi")
    assert out.exit_code == 1
    assert out.stderr == "error: report gusu-rc/2021: not found, expected an opened report\n"
    nothing = imported("report", "show", "-d", "other-dept", "-y", "2021", user="sun.qi")
    assert nothing.stderr == out.stderr.replace("gusu-rc", "other-dept")
    assert json.loads(imported("report", "list", "--json", user="sun.qi").stdout) == []
    overview = json.loads(imported("report", "overview", "2021", "--json", user="sun.qi").stdout)
    assert [(r["department"], r["stage"]) for r in overview] == [("other-dept", "new")]
    out = imported("audit", "trail", *KEY, user="sun.qi")
    assert out.exit_code == 1 and "report gusu-rc/2021: not found, expected a report" in out.stderr
    assert json.loads(imported("audit", "trail", "--json", user="sun.qi").stdout) == []
    out = imported("audit", "as-of", *KEY, "1", user="sun.qi")
    assert out.exit_code == 1 and out.stdout == ""


def test_finance_reads_a_report_once_it_is_submitted(imported: Invoke) -> None:
    before = imported("report", "show", *KEY, "--json", user="wang.wu")
    assert before.exit_code == 1 and "not found" in before.stderr
    overview = json.loads(imported("report", "overview", "2021", "--json", user="wang.wu").stdout)
    gusu = next(r for r in overview if r["department"] == "gusu-rc")
    # The draft's progress shows, its figures and last editor do not.
    assert (gusu["stage"], gusu["total"], gusu["last_actor"]) == ("draft", None, None)
    assert imported("review", "submit", *KEY, user="zhang.san").exit_code == 0
    view = json.loads(imported("report", "show", *KEY, "--json", user="wang.wu").stdout)
    assert view["stage"] == "submitted"
    listed = json.loads(imported("report", "list", "--json", user="wang.wu").stdout)
    assert [(r["department"], r["total"]) for r in listed] == [("gusu-rc", "279.08")]
    trail = json.loads(imported("audit", "trail", "--json", user="wang.wu").stdout)
    assert trail and {e["report"] for e in trail} == {"report:gusu-rc:2021"}


def test_a_years_replay_is_for_auditors_and_administrators(imported: Invoke, tmp_path) -> None:
    out = imported("audit", "replay", "2021", "-o", str(tmp_path), user="li.si")
    assert out.exit_code == 1
    assert out.stderr == (
        "error: user li.si role: got department_head@gusu-rc, expected auditor@* or admin@* "
        "to replay a year\n"
    )
    assert imported("audit", "replay", "2021", "-o", str(tmp_path), user="root").exit_code == 0
