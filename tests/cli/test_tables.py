"""Tables for people: on a narrow terminal figures keep their width and text wraps; piped,
plain text with one row a line. Nothing is ever cut."""

from __future__ import annotations

import pytest

from cli.output import print_table

COMMENT = "请核对博爱家园建设支出与项目绩效目标是否一致 returned for more detail " * 2
ROWS = [["homes", "279.55", COMMENT], ["total", "12345678.90", "ok"]]


def test_a_narrow_terminal_wraps_text_and_keeps_every_figure_whole(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich takes stdout for a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "50")
    print_table("budget", ["id", "金额", "comment"], ROWS)
    out = capsys.readouterr().out
    assert "…" not in out and "│" in out
    assert "279.55" in out and "12345678.90" in out
    cells = "".join(line.split("│")[3].strip() for line in out.splitlines() if line.count("│") == 4)
    assert cells.replace(" ", "") == (COMMENT + "ok").replace(" ", "")


def test_a_pipe_gets_plain_rows(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    print_table("budget", ["id", "金额", "comment"], ROWS)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "budget"
    assert lines[1].split() == ["id", "金额", "comment"]
    assert set(lines[2]) == {"-", " "}
    assert lines[3].split(maxsplit=2) == ["homes", "279.55", COMMENT.strip()]
    assert lines[4].split() == ["total", "12345678.90", "ok"]
    assert len(lines) == 5
