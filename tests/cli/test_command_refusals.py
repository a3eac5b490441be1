"""Refusals at the command line: one line naming the value and what was expected, exit 1
(2 for usage), never a traceback, and nothing recorded; plus the values they must not refuse."""

from __future__ import annotations

import json

import pytest

from cli.seed_file import SEED_FILE
from tests.cli.conftest import on_administration

KEY = ("-d", "gusu-rc", "-y", "2021")


def head(run) -> int:
    """The log's head position: a refused command leaves it where it was."""
    return json.loads(run("audit", "verify", "--json").stdout)["head_position"]


def assert_refused(out, message: str, code: int = 1) -> None:
    assert out.exit_code == code, (out.stdout, out.stderr)
    assert out.stderr == f"error: {message}\n"


@on_administration
def drafted(run):
    """The 2021 report open, with a total over one line (300.09 万元)."""
    for step in (
        ("report", "open", *KEY),
        ("report", "line", "add", *KEY, "total", "预算资金总额"),
        ("report", "line", "add", *KEY, "homes", "博爱家园建设", "--parent", "total"),
        ("report", "line", "initial", *KEY, "homes", "300.09"),
        ("report", "indicator", "add", *KEY, "b03", "--category", "部门管理", "--name",
         "预算调整率", "--target", "0%", "--lower-is-better"),
    ):  # fmt: skip
        out = run(*step, user="zhang.san")
        assert out.exit_code == 0, (step, out.stderr)


def seed_text(**replacements: str) -> str:
    text = SEED_FILE.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


# --- 1, 2: files that are not UTF-8, or not there ------------------------------------------


def test_a_binary_scheme_file_is_refused_in_one_line(admin, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\xb4\xe9id = 1\n")
    before = head(admin)
    expected = (
        "scheme file: got './bin.toml', expected a UTF-8 .toml file "
        "(byte 0xff at offset 0 is not UTF-8)"
    )
    out = admin("admin", "year", "open", "2023", "--deadline", "2024-06-30",
                "--scheme", "./bin.toml", user="root")  # fmt: skip
    assert_refused(out, expected)
    assert_refused(admin("admin", "scheme", "show", "./bin.toml"), expected)
    assert_refused(
        admin("admin", "scheme", "show", "./none.toml"),
        "scheme file: got './none.toml', no such file; expected a UTF-8 .toml file",
    )
    assert head(admin) == before


def test_a_narrative_file_that_is_not_utf8_names_the_option(drafted, tmp_path) -> None:
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("收支矛盾较大".encode("gbk"))
    before = head(drafted)
    out = drafted("report", "narrative", *KEY, "3.1", "--file", str(gbk), user="zhang.san")
    assert_refused(
        out, f"--file: got {str(gbk)!r}, expected UTF-8 text (byte 0xca at offset 0 is not UTF-8)"
    )
    missing = tmp_path / "missing.txt"
    out = drafted("report", "narrative", *KEY, "3.1", "--file", str(missing), user="zhang.san")
    assert_refused(out, f"--file: got {str(missing)!r}, no such file; expected UTF-8 text")
    assert head(drafted) == before
    gbk.write_text("收支矛盾较大", encoding="utf-8")
    out = drafted("report", "narrative", *KEY, "3.1", "--file", str(gbk), user="zhang.san")
    assert out.exit_code == 0, out.stderr


def test_a_missing_report_file_names_the_argument(admin, tmp_path) -> None:
    for name in ("missing.yaml", "missing.xlsx"):
        out = admin("report", "import", str(tmp_path / name), *KEY, user="zhang.san")
        assert_refused(
            out,
            f"path: got {str(tmp_path / name)!r}, no such file; expected a report file "
            "(.yaml, .yml, .json) or a 自评价表 (.xlsx)",
        )


# --- 3: a key written twice -----------------------------------------------------------------


def test_a_key_written_twice_is_refused_with_its_line(admin, tmp_path) -> None:
    twice = tmp_path / "twice.yaml"
    twice.write_text(seed_text(**{"year: 2021\n": "year: 2021\nyear: 2022\n"}), encoding="utf-8")
    line = twice.read_text(encoding="utf-8").splitlines().index("year: 2022") + 1
    before = head(admin)
    out = admin("report", "import", str(twice), user="zhang.san")
    assert_refused(
        out,
        f"{twice}: line {line} column 1: key 'year' appears twice in one mapping "
        f"(first on line {line - 1}), expected each key once",
    )
    # Nested mappings too, and JSON objects.
    nested = tmp_path / "nested.yaml"
    nested.write_text(
        seed_text(**{"  - id: total\n": "  - id: total\n    id: total2\n"}), encoding="utf-8"
    )
    out = admin("report", "import", str(nested), user="zhang.san")
    assert out.exit_code == 1 and "key 'id' appears twice in one mapping" in out.stderr
    as_json = tmp_path / "twice.json"
    as_json.write_text('{"department": "gusu-rc", "year": 2021, "year": 2022}', encoding="utf-8")
    out = admin("report", "import", str(as_json), user="zhang.san")
    assert_refused(
        out, f"{as_json}: key 'year' appears twice in one object, expected each key once"
    )
    assert head(admin) == before


# --- 4: values with a leading minus -----------------------------------------------------


def test_values_may_start_with_a_minus(drafted) -> None:
    run = drafted
    out = run("report", "net-assets", "-4.8", *KEY, "--unit", "万元", "--json", user="zhang.san")
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["events"] == ["NetAssetsSet"]
    out = run("report", "indicator", "actual", *KEY, "b03", "-5%", "--reason", "压缩",
              user="zhang.san")  # fmt: skip
    assert out.exit_code == 0, out.stderr
    out = run("report", "line", "adjust", *KEY, "homes", "-4.8", "--kind", "in_year",
              "--reason", "压缩预算", user="zhang.san")  # fmt: skip
    assert out.exit_code == 0, out.stderr
    # The amount reaches the rules (an actual is never negative), not the option parser.
    out = run("report", "line", "actual", *KEY, "homes", "-1", user="zhang.san")
    assert out.exit_code == 1 and out.stderr.startswith(
        "error: line 博爱家园建设 实际支出数: got '-1'"
    )
    out = run("report", "line", "initial", *KEY, "homes", "-1", user="zhang.san")
    assert out.exit_code == 1 and "got '-1'" in out.stderr
    view = json.loads(run("report", "show", *KEY, "--json").stdout)
    assert view["net_assets"]["raw"] == "-4.8"
    assert view["indicators"][0]["actual"]["raw"] == "-5%"
    # A mistyped option is still a usage error.
    out = run("report", "line", "initial", *KEY, "homes", "3", "--jsno", user="zhang.san")
    assert out.exit_code == 2 and "--jsno" in out.stderr


# --- 5: unknown stages and years never opened -------------------------------------------


STAGES = (
    "draft, submitted, approved_by_department, approved_by_finance, signed_off, rendered, published"
)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("report", "list", "--stage", "bogus"), f"--stage: got 'bogus', expected one of {STAGES}"),
        (
            ("report", "overview", "2021", "--stage", "bogus"),
            f"--stage: got 'bogus', expected one of new, {STAGES}",
        ),
        (("report", "overview", "2030"), "year: got 2030, expected an opened fiscal year (2021)"),
        (
            ("report", "list", "-y", "2030"),
            "--year: got 2030, expected an opened fiscal year (2021)",
        ),
    ],
)
def test_unknown_stages_and_years_are_refused(admin, args, message) -> None:
    assert_refused(admin(*args, "--json"), message)


def test_known_stages_still_filter(drafted) -> None:
    rows = json.loads(drafted("report", "overview", "2021", "--stage", "draft", "--json").stdout)
    assert [r["department"] for r in rows] == ["gusu-rc"]
    assert json.loads(drafted("report", "list", "--stage", "submitted", "--json").stdout) == []


# --- 6: import --check --json -----------------------------------------------------------


def test_import_check_gives_json(admin, tmp_path) -> None:
    before = head(admin)
    out = admin("report", "import", str(SEED_FILE), "--check", "--json", user="zhang.san")
    assert out.exit_code == 0, out.stderr
    summary = json.loads(out.stdout)
    assert (summary["ok"], summary["problems"], summary["report"]) == (True, [], "gusu-rc/2021")
    assert summary["commands"] == 128 and summary["by_command"]["AddIndicator"] == 34
    bad = tmp_path / "bad.yaml"
    bad.write_text(seed_text(**{"actual: 100%\n": "actual: 100&\n"}), encoding="utf-8")
    out = admin("report", "import", str(bad), "--check", "--json", user="zhang.san")
    assert out.exit_code == 1
    result = json.loads(out.stdout)
    assert result["ok"] is False and len(result["problems"]) == 1
    assert "did you mean '100%'?" in result["problems"][0]
    assert out.stderr == f"error: {bad}: 1 problem (listed in the JSON), expected none\n"
    assert head(admin) == before


# --- 7, 8: scheme show --json, rebuild with a name twice ----------------------------------


def test_scheme_show_takes_json(jixiao) -> None:
    out = jixiao("admin", "scheme", "show", "default", "--json")
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["id"] == "default"


def test_a_projection_named_twice_is_rebuilt_once(drafted) -> None:
    out = drafted("projections", "rebuild", "audit_trail", "audit_trail", "--json")
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["rebuilt"] == ["audit_trail"]
    trail = json.loads(drafted("audit", "trail", *KEY, "--json").stdout)
    assert trail and trail[0]["event_type"] == "ReportOpened"


# --- 9: messages that name what is wrong --------------------------------------------------


def test_a_mistyped_key_is_named_with_the_field_meant(admin, tmp_path) -> None:
    typo = tmp_path / "typo.yaml"
    typo.write_text(
        seed_text(**{"department_name:": "departmnt_name:", "  - id: total\n":
                     "  - id: total\n    zzz: 1\n"}),
        encoding="utf-8",
    )  # fmt: skip
    out = admin("report", "import", str(typo), user="zhang.san")
    assert out.exit_code == 1
    assert out.stderr.splitlines()[1:] == [
        "  - budget.lines[0].zzz: got 1, expected one of the known fields: id, name, parent, "
        "initial, adjustments, actual",
        "  - departmnt_name: got '姑苏区红十字会', expected a known field — did you mean "
        "department_name?",
    ]


def test_an_unknown_department_is_named(admin, tmp_path) -> None:
    before = head(admin)
    nowhere = tmp_path / "nowhere.yaml"
    nowhere.write_text(seed_text(**{"department: gusu-rc": "department: nope"}), encoding="utf-8")
    out = admin("report", "import", str(nowhere), user="zhang.san")
    assert out.exit_code == 1
    assert out.stderr.splitlines() == [
        f"error: {nowhere} rejected, nothing recorded, 1 problem:",
        "  - department: got 'nope', expected a registered department code "
        "(jixiao admin department add)",
    ]
    expected = (
        "department: got 'nope', expected a registered department code "
        "(jixiao admin department add)"
    )
    for args, user in (
        (("report", "open", "-d", "nope", "-y", "2021"), "zhang.san"),
        (("report", "line", "add", "-d", "nope", "-y", "2021", "x", "项目"), "zhang.san"),
        (("review", "submit", "-d", "nope", "-y", "2021"), "zhang.san"),
        (("review", "approve", "-d", "nope", "-y", "2021"), "wang.wu"),
    ):
        assert_refused(admin(*args, user=user), expected)
    # A wrong token is still refused as such, before anything about the department.
    admin.tokens["zhang.san"] = "0000.not-the-token"
    out = admin("report", "open", "-d", "nope", "-y", "2021", user="zhang.san")
    assert out.exit_code == 1 and "unknown user or token" in out.stderr
    assert head(admin) == before


# --- 10: problems the table cannot show ---------------------------------------------------


def test_show_prints_the_budget_problems(drafted) -> None:
    out = drafted("report", "line", "initial", *KEY, "total", "8", user="zhang.san")
    assert out.exit_code == 0, out.stderr
    text = drafted("report", "show", *KEY).stdout
    problems = json.loads(drafted("report", "show", *KEY, "--json").stdout)["budget"]["problems"]
    assert (
        "line 预算资金总额 年初预算数: typed 8, expected 300.09, the sum of its children"
        in problems
    )
    assert [line for line in text.splitlines() if line.startswith("problem: ")] == [
        f"problem: {p}" for p in problems
    ]
