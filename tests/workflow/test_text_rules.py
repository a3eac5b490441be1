"""The text rules: NFC, no control or format characters or lone surrogates, one id rule and
size limits from the scheme, on every path into the domain (commands, administration, report
files); each refusal is one line naming the field, the value escaped and what was expected."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from tests.workflow.test_bad_input import rejected
from tests.workflow.world import NOW, World
from workflow.administration import RegisterDepartment, RegisterUser
from workflow.commands import (
    AddBudgetLine,
    AddIndicator,
    ApproveReport,
    EditNarrative,
    RecordActualSpending,
    RecordAdjustment,
    RecordIndicatorActual,
    RenameBudgetLine,
    ReturnReport,
    SetFunctions,
    SetStaffing,
    SubmitReport,
)
from workflow.errors import DocumentRejected, DomainError, InvalidValue, SchemeError, TooLarge
from workflow.report_file import document_commands, parse_document, state_document
from workflow.schemes import Limits, load_scheme, parse_scheme
from workflow.service import execute, execute_all, load_report, open_fiscal_year
from workflow.text import ID_RULE, clean, escaped, identifier, is_id

KEY = {"department": "gusu-rc", "year": 2021}
HACKED = "\x1b[2J\x1b[31mHACKED"


# --- characters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("预算\x00资金", "character 3 is U+0000 NUL, a control character"),
        (HACKED, "character 1 is U+001B ESC, a control character"),
        ("预算\x7f", "character 3 is U+007F DEL, a control character"),
        ("预算\x9b2J", "character 3 is U+009B, a control character"),  # C1: CSI
        ("homes\u200b", "character 6 is U+200B ZERO WIDTH SPACE, a format character"),
        ("\ufeff预算", "character 1 is U+FEFF ZERO WIDTH NO-BREAK SPACE, a format character"),
        ("abc\u202eexe.txt", "character 4 is U+202E RIGHT-TO-LEFT OVERRIDE, a format character"),
        ("预算\ud800", "character 3 is U+D800, a lone surrogate"),
        ("一段\u2028两段", "character 3 is U+2028 LINE SEPARATOR, a line separator"),
        ("一段\r两段", "character 3 is U+000D CR, a control character"),
    ],
)
def test_control_format_and_surrogate_characters_are_refused(text: str, named: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        clean("section 1.3 text", text, multiline=True, expected="text")
    message = str(caught.value)
    assert named in message
    assert message.startswith(f"section 1.3 text: got {text!r}, expected text without control")
    # The message itself is safe on a terminal: the character appears only as its escape.
    assert message.isprintable()


def test_multi_line_text_keeps_line_breaks_and_tabs_and_reads_crlf_as_one() -> None:
    assert (
        clean("s", "第一段\r\n\t第二段\n", multiline=True, expected="text") == "第一段\n\t第二段\n"
    )
    for text in ("第一段\n第二段", "差旅\t费"):
        with pytest.raises(InvalidValue):
            clean("s", text, multiline=False, expected="a name")


def test_ordinary_text_passes_unchanged() -> None:
    # An ideographic space (indentation in Chinese prose), a private-use character (a rare
    # character some fonts carry) and emoji are text, not control.
    for text in ("\u3000\u3000姑苏区红十字会", "100%及其以下", "\ue000", "😀 ≥90%", "a\\u0000"):
        assert clean("s", text, multiline=True, expected="text") == text


def test_text_is_stored_in_nfc() -> None:
    decomposed = "Cafe\u0301 e\u0301"
    assert clean("s", decomposed, multiline=False, expected="a name") == "Caf\u00e9 \u00e9"


def test_a_long_text_is_shown_around_the_bad_character() -> None:
    text = "很长的文字" * 30 + "\u202e" + "后文" * 40
    with pytest.raises(InvalidValue) as caught:
        clean("section 1.3 text", text, multiline=True, expected="text")
    assert str(caught.value) == (
        "section 1.3 text: got '…很长的文字很长的文字很长的文字很长的文字\\u202e"
        "后文后文后文后文后文后文后文后文后文后文…', expected text without control or format "
        "characters other than line breaks and tabs — character 151 is U+202E RIGHT-TO-LEFT "
        "OVERRIDE, a format character (invisible)"
    )


def test_escaped_shows_every_unsafe_character_as_its_escape() -> None:
    assert escaped(HACKED) == "\\x1b[2J\\x1b[31mHACKED"
    assert escaped("a\u200bb\ud800c\U000e0041\x85") == "a\\u200bb\\ud800c\\U000e0041\\x85"
    assert escaped("一\n二\t三", keep="\n") == "一\n二\\x09三"
    assert escaped("\u3000姑苏区 ≥90%") == "\u3000姑苏区 ≥90%"


# --- ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["homes", "l01", "gusu-rc", "zhang.san", "first_aiders", "2021", "a" * 64]
)
def test_ids_by_the_rule(value: str) -> None:
    assert identifier("line id", value) == value


@pytest.mark.parametrize(
    "value",
    [
        "homes\u200b",
        "Homes",
        "homes\n",
        "-homes",
        ".x",
        "",
        "a" * 65,
        "博爱",
        "a/b",
        "a b",
        "a\x00",
    ],
)
def test_other_ids_are_refused_naming_the_rule(value: str) -> None:
    assert not is_id(value)
    with pytest.raises(InvalidValue) as caught:
        identifier("line id", value)
    assert str(caught.value) == f"line id: got {value!r}, expected {ID_RULE}"


def test_an_id_with_a_zero_width_space_is_refused_beside_the_real_one(seeded: World) -> None:
    rejected(
        seeded,
        seeded.preparer,
        AddBudgetLine(**KEY, line="homes\u200b", name="博爱家园建设二", parent="project"),
        InvalidValue,
        "line id: got 'homes\\u200b', expected an id of at most 64 ASCII characters: "
        "lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
    )


@pytest.mark.parametrize(
    "command",
    [
        RegisterDepartment(code="homes\u200b", name="x"),
        RegisterDepartment(code="Gusu", name="x"),
        RegisterDepartment(code="gusu\n", name="x"),
        RegisterUser(user_id="zhang.san\u200b", name="x"),
        RegisterUser(user_id="Zhang", name="x"),
    ],
)
def test_department_codes_and_user_ids_follow_the_rule(world: World, command) -> None:
    before = world.appended()
    with pytest.raises(InvalidValue, match="expected an id of at most 64 ASCII characters"):
        execute(world.store, world.admin, command)
    assert world.appended() == before


# --- every path into the domain ---------------------------------------------------------


def test_an_escape_sequence_in_a_line_name_is_refused(seeded: World) -> None:
    rejected(
        seeded,
        seeded.preparer,
        AddBudgetLine(**KEY, line="x1", name=HACKED, parent="project"),
        InvalidValue,
        "line x1 name: got '\\x1b[2J\\x1b[31mHACKED', expected a name without control or "
        "format characters — character 1 is U+001B ESC, a control character",
    )


@pytest.mark.parametrize(
    ("command", "subject"),
    [
        (RenameBudgetLine(**KEY, line="homes", name="博爱\u200b家园"), "line homes name"),
        (RenameBudgetLine(**KEY, line="homes", name="博爱", reason="笔误\x00"), "reason"),
        (SetFunctions(**KEY, functions=("宣传\x1b",)), "part 1 主要职能 item 1"),
        (SetStaffing(**KEY, establishment=4, in_post=(("正科\u202e", 1),)), "staffing rank"),
        (SetStaffing(**KEY, establishment=4, internal_units=("办\x07公室",)), "internal unit 1"),
        (EditNarrative(**KEY, section="1.3", text="正文\x00"), "section 1.3 text"),
        (EditNarrative(**KEY, section="1.3", title="标题\u200e", text="正文"), "title"),
        (
            EditNarrative(
                **KEY, section="1.3", text="正文", figures=(("Gifts", "捐赠", "1 万元"),)
            ),
            "section 1.3 figure key",
        ),
        (
            EditNarrative(
                **KEY, section="1.3", text="正文", figures=(("gifts", "捐\x00", "1 万元"),)
            ),
            "section 1.3 figure gifts label",
        ),
        (
            EditNarrative(
                **KEY, section="1.3", text="正文", figures=(("gifts", "捐赠", "1\x1b 万元"),)
            ),
            "section 1.3 figure 捐赠",
        ),
        (
            RecordAdjustment(**KEY, line="homes", amount="1", kind="in_year", reason="调整\x1b"),
            "adjustment reason",
        ),
        (
            RecordAdjustment(
                **KEY, line="homes", amount="1", kind="in_year", reason="调整", document="文\u202e"
            ),
            "adjustment document",
        ),
        (RecordActualSpending(**KEY, line="homes", amount="3.2\x00"), "实际支出数"),
        (
            AddIndicator(**KEY, indicator="x1", category="产出\x00", name="指标", target="2 场"),
            "indicator 指标 category",
        ),
        (
            AddIndicator(**KEY, indicator="x1", category="产出", name="指标", target="2\u200b 场"),
            "indicator 指标 target",
        ),
        (RecordIndicatorActual(**KEY, indicator="d04", actual="5\x1b 人次"), "actual"),
        (
            RecordIndicatorActual(**KEY, indicator="d04", actual="5 人次", deviation_reason="\x1b"),
            "偏差原因分析",
        ),
    ],
)
def test_every_text_a_report_command_carries_obeys_the_rules(
    seeded: World, command, subject: str
) -> None:
    before = seeded.appended()
    with pytest.raises(InvalidValue) as caught:
        execute(seeded.store, seeded.preparer, command, now=NOW)
    message = str(caught.value)
    assert subject in message.partition(": got")[0]
    assert "a control character" in message or "format character" in message or ID_RULE in message
    assert message.isprintable()
    assert seeded.appended() == before


def test_review_comments_obey_the_rules(seeded: World) -> None:
    execute(seeded.store, seeded.preparer, SubmitReport(**KEY), now=NOW)
    rejected(
        seeded,
        seeded.head,
        ReturnReport(**KEY, comment="请核对\x1b[8m"),
        InvalidValue,
        "return comment: got '请核对\\x1b[8m', expected text without control or format "
        "characters other than line breaks and tabs — character 4 is U+001B ESC, a control "
        "character",
    )
    with pytest.raises(InvalidValue, match=r"^approval comment: got '同意\\u200b'"):
        execute(seeded.store, seeded.head, ApproveReport(**KEY, comment="同意\u200b"), now=NOW)


def test_administration_names_obey_the_rules(world: World) -> None:
    before = world.appended()
    for command, message in (
        (
            RegisterDepartment(code="sz-rc", name="苏州\x00红会"),
            "department sz-rc name: got '苏州\\x00红会', expected a name without control or "
            "format characters — character 3 is U+0000 NUL, a control character",
        ),
        (
            RegisterUser(user_id="qian.qi", name="钱\u202e七"),
            "user qian.qi name: got '钱\\u202e七', expected a name without control or format "
            "characters — character 2 is U+202E RIGHT-TO-LEFT OVERRIDE, a format character "
            "(invisible)",
        ),
        (
            RegisterDepartment(code="sz-rc", name="苏" * 201),
            "department sz-rc name: got 201 characters, expected at most 200 characters",
        ),
    ):
        with pytest.raises(InvalidValue) as caught:
            execute(world.store, world.admin, command)
        assert str(caught.value) == message
    assert world.appended() == before


def test_a_decomposed_name_is_stored_composed(seeded: World) -> None:
    execute(seeded.store, seeded.preparer, RenameBudgetLine(**KEY, line="homes", name="Cafe\u0301"))
    execute(seeded.store, seeded.admin, RegisterDepartment(code="cafe", name="Cafe\u0301 e\u0301"))
    line = load_report(seeded.store, "gusu-rc", 2021).state.table().get("homes")
    assert line is not None and line.name == "Caf\u00e9"
    registered = [r.event for r in seeded.store.read_stream("department:cafe")]
    assert registered[0].name == "Caf\u00e9 \u00e9"  # type: ignore[attr-defined]
    # Both spellings are one name: typing the other one is a rename to the same name.
    with pytest.raises(InvalidValue, match="a name other than its current name"):
        execute(seeded.store, seeded.preparer, RenameBudgetLine(**KEY, line="homes", name="Café"))


def test_a_scheme_files_texts_obey_the_rules() -> None:
    data = load_scheme("default").model_dump(mode="json")
    data["sections"][1]["title"] = "预算安排\u202e"
    with pytest.raises(SchemeError) as caught:
        parse_scheme(data, source="region.toml")
    assert str(caught.value) == (
        "scheme region.toml sections[1].title: got '预算安排\\u202e', expected text without "
        "control or format characters — character 5 is U+202E RIGHT-TO-LEFT OVERRIDE, a "
        "format character (invisible)"
    )
    data["sections"][1]["title"] = "Cafe\u0301"
    assert parse_scheme(data, source="region.toml").sections[1].title == "Caf\u00e9"


# --- report files -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_document() -> dict:
    from tests.workflow.world import seeded_template

    return state_document(load_report(seeded_template().store, "gusu-rc", 2021).state)


def _import(world: World, data: dict, *, dry_run: bool = False) -> None:
    document = parse_document(data, source="gusu.json")
    execute_all(
        world.store,
        world.preparer,
        document_commands(document),
        source="gusu.json",
        now=NOW,
        dry_run=dry_run,
    )


@pytest.mark.parametrize("dry_run", [True, False], ids=["check", "import"])
@pytest.mark.parametrize(
    ("bad", "shown"),
    [("预算\x00资金总额", "'预算\\x00资金总额'"), ("预算\ud800", "'预算\\ud800'")],
    ids=["nul", "lone-surrogate"],
)
def test_a_report_file_with_a_bad_name_is_refused_by_check_and_import(
    world: World, seed_document: dict, bad: str, shown: str, dry_run: bool
) -> None:
    data = copy.deepcopy(seed_document)
    data["budget"]["lines"][0]["name"] = bad
    before = world.appended()
    with pytest.raises(DocumentRejected) as caught:
        _import(world, data, dry_run=dry_run)
    assert caught.value.problems[0].startswith(f"budget.lines[0]: line total name: got {shown}")
    assert world.appended() == before


# --- sizes ------------------------------------------------------------------------------


def test_the_bundled_schemes_hold_the_limits() -> None:
    for name in ("default", "national-10-90"):
        assert load_scheme(name).limits == Limits(
            name=200, section=20_000, paragraph=2_000, cell=200, items=5_000
        )


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            EditNarrative(**KEY, section="1.3", text="字" * 20_437),
            "section 1.3 text: got 20,437 characters, expected at most 20,000 characters "
            "(scheme default)",
        ),
        (
            RenameBudgetLine(**KEY, line="homes", name="博" * 201),
            "line homes name: got 201 characters, expected at most 200 characters (scheme default)",
        ),
        (
            RecordAdjustment(**KEY, line="homes", amount="1", kind="in_year", reason="因" * 2_001),
            "line 博爱家园建设 adjustment reason: got 2,001 characters, expected at most 2,000 "
            "characters (scheme default)",
        ),
        (
            RecordIndicatorActual(**KEY, indicator="d04", actual="5" * 201),
            "indicator 完成师资培训 actual: got 201 characters, expected at most 200 characters "
            "(scheme default)",
        ),
    ],
)
def test_sizes_are_limited_by_the_scheme(seeded: World, command, message: str) -> None:
    rejected(seeded, seeded.preparer, command, TooLarge, message)


def test_text_at_the_limit_is_accepted(seeded: World) -> None:
    execute(seeded.store, seeded.preparer, EditNarrative(**KEY, section="1.3", text="字" * 20_000))
    section = load_report(seeded.store, "gusu-rc", 2021).state.section("1.3")
    assert section is not None and len(section.text) == 20_000


def test_a_report_holds_at_most_the_schemes_items(world: World) -> None:
    tiny = load_scheme("default").model_copy(update={"id": "tiny", "limits": Limits(items=4)})
    open_fiscal_year(world.store, world.admin, 2022, date(2023, 6, 30), tiny)
    lines = [{"id": f"l{n}", "name": f"线{n}", "parent": "l0" if n else None} for n in range(6)]
    data = {
        "department": "gusu-rc",
        "year": 2022,
        "budget": {"lines": [{**line, "initial": "1"} for line in lines]},
    }
    before = world.appended()
    with pytest.raises(DocumentRejected) as caught:
        _import(world, data)
    assert caught.value.problems == [
        "budget.lines[4]: report report:gusu-rc:2022 items: got 5 items, expected at most 4 "
        "items (scheme tiny): lines, adjustments, indicators, sections, figures, 主要职能 items "
        "and staffing entries together",
        "budget.lines[4]: the rest of gusu.json was not checked",
    ]
    assert world.appended() == before
    del data["budget"]["lines"][4:]
    _import(world, data)
    assert load_report(world.store, "gusu-rc", 2022).state.item_count() == 4


def test_a_report_over_its_limit_can_still_shrink(world: World) -> None:
    """At its limit a report can still be edited and lose items, but gains none."""
    tiny = load_scheme("default").model_copy(update={"id": "tiny", "limits": Limits(items=2)})
    open_fiscal_year(world.store, world.admin, 2022, date(2023, 6, 30), tiny)
    key = {"department": "gusu-rc", "year": 2022}
    data = {"department": "gusu-rc", "year": 2022, "functions": ["一", "二"]}
    _import(world, data)
    with pytest.raises(DomainError, match="got 3 items, expected at most 2 items"):
        execute(world.store, world.preparer, SetFunctions(**key, functions=("一", "二", "三")))
    execute(world.store, world.preparer, SetFunctions(**key, functions=("一",)))
    assert load_report(world.store, "gusu-rc", 2022).state.functions == ("一",)
