"""The docs run: every `sh` block of docs/quickstart.md and of the README's "Using it"
section is run, line by line and in order, in a folder of its own (a fresh SQLite
database), and a command that exits non-zero fails the test unless the doc marks it as a
refusal. So a step that drifts from what jixiao does cannot stay in the docs.

The conventions, which docs/contributing.md states for writers:

* a line whose comment starts with ``# refused`` must be refused (exit 1): it shows a
  refusal on purpose, and one that is accepted is drift too;
* ``JIXIAO_TOKEN=…`` stands for the token last printed for the user named with it (by
  ``admin init --admin USER`` or ``admin user token USER``);
* a block right after a ``<!-- not run: why -->`` line is not run (a server's URL, an
  installation step, a file that cannot be known in advance);
* a line holds jixiao commands and ``export NAME=VALUE`` settings, joined by ``&&``;
* paths are relative to the root of a clone: the folder the docs run in holds a copy of
  the example reports at the paths the docs give (cli/data/gusu-redcross-2021.yaml and
  its project, cli/data/gusu-redcross-2021-homes.yaml).
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import cli.context
from cli.seed_file import PROJECT_FILE, SEED_FILE
from tests.cli.conftest import CALLER_VARIABLES, run_cli

ROOT = Path(__file__).resolve().parents[2]
NOT_RUN = re.compile(r"<!--\s*not run:.*-->")
REFUSED = re.compile(r"#\s*refused\b")
#: How jixiao prints a new token: `admin init --admin` and `admin user token`.
PRINTED_TOKEN = re.compile(
    r"^(?:administrator (?P<admin>\S+) created; token \(shown once\)|"
    r"token for (?P<user>\S+) \(shown once\)): (?P<token>\S+)$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Step:
    """One line of a doc's command blocks, with where it is."""

    doc: str
    line: int
    text: str

    @property
    def refused(self) -> bool:
        """Whether the doc marks it as a refusal."""
        return bool(REFUSED.search(self.text))


def doc_steps(path: Path, section: str | None = None) -> list[Step]:
    """The lines of ``path``'s `sh` blocks (of ``section`` only, a level-2 heading, if
    given), in order, leaving out the blocks marked not run and comment-only lines."""
    lines = path.read_text(encoding="utf-8").splitlines()
    inside = section is None
    steps: list[Step] = []
    block: str | None = None
    skip = False
    previous = ""
    for number, line in enumerate(lines, start=1):
        if block is None and line.startswith("## "):
            inside = section is None or line.strip() == section
        if block is None and line.startswith("```"):
            block = line[3:].strip()
            skip = bool(NOT_RUN.fullmatch(previous.strip()))
        elif block is not None and line.startswith("```"):
            block = None
        elif block == "sh" and inside and not skip and _command_line(line):
            steps.append(Step(path.name, number, line.strip()))
        if line.strip():
            previous = line
    return steps


def _command_line(line: str) -> bool:
    """Whether a block's line holds a command (not blank, not a comment)."""
    return bool(line.strip()) and not line.lstrip().startswith("#")


def _commands(text: str) -> list[list[str]]:
    """A line's commands, split at ``&&``; the comment left out."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars="&|;<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token == "&&":
            commands.append([])
        elif set(token) <= set("&|;<>"):
            raise AssertionError(f"{text!r}: {token!r} is not run by the docs test, use &&")
        else:
            commands[-1].append(token)
    return commands


class DocRun:
    """The environment a doc's commands share, and the tokens printed so far."""

    def __init__(self) -> None:
        self.env: dict[str, str | None] = dict.fromkeys(CALLER_VARIABLES)
        self.env["JIXIAO_DB"] = None
        self.tokens: dict[str, str] = {}
        self.last_error = ""

    def export(self, step: Step, assignments: list[str]) -> None:
        named = dict(a.partition("=")[::2] for a in assignments)
        for name, value in named.items():
            if name == "JIXIAO_TOKEN" and value == "…":
                user = named.get("JIXIAO_USER") or self.env.get("JIXIAO_USER")
                assert user in self.tokens, f"{step}: no token printed yet for {user}"
                value = self.tokens[user]
            self.env[name] = value

    def run(self, step: Step) -> int:
        """Run the step's commands in order, as a shell would with ``&&``; its exit code."""
        for command in _commands(step.text):
            if command[0] == "export":
                self.export(step, command[1:])
                continue
            assert command[0] == "jixiao", f"{step}: only jixiao and export are run"
            out = run_cli(command[1:], self.env)
            for found in PRINTED_TOKEN.finditer(out.stdout):
                self.tokens[found["admin"] or found["user"]] = found["token"]
            if out.exit_code:
                self.last_error = out.stderr
                return out.exit_code
        return 0


@pytest.fixture
def doc_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder standing for the root of a clone, with the example reports, as the cwd;
    the CLI opens stores afresh (the docs' URLs are relative)."""
    for name in (*CALLER_VARIABLES, "JIXIAO_DB", "JIXIAO_BROKER", "JIXIAO_OUT", "JIXIAO_SMTP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    examples = tmp_path / "cli" / "data"
    examples.mkdir(parents=True)
    for example in (SEED_FILE, PROJECT_FILE):
        shutil.copyfile(example, examples / example.name)
    monkeypatch.chdir(tmp_path)
    opened = dict(cli.context._stores)
    cli.context._stores.clear()
    yield tmp_path
    for store in cli.context._stores.values():
        store.close()
    cli.context._stores.clear()
    cli.context._stores.update(opened)


@pytest.mark.parametrize(
    ("doc", "section"), [("docs/quickstart.md", None), ("README.md", "## Using it")]
)
def test_the_docs_commands_do_what_the_docs_say(doc: str, section: str | None, doc_folder) -> None:
    steps = doc_steps(ROOT / doc, section)
    assert len(steps) > 10, f"{doc}: expected its command blocks, found {len(steps)} lines"
    run = DocRun()
    for step in steps:
        run.last_error = ""
        code = run.run(step)
        if step.refused:
            assert code == 1, f"{doc}:{step.line}: marked refused, exited {code}: {step.text}"
        else:
            assert code == 0, f"{doc}:{step.line}: exited {code}: {step.text}\n{run.last_error}"


def test_a_marked_refusal_and_a_token_placeholder_are_read_as_the_docs_say(tmp_path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "```sh\n"
        "export JIXIAO_USER=li.si JIXIAO_TOKEN=…   # the token printed for li.si\n"
        "# a comment line\n"
        "jixiao review approve -m 同意   # refused: only a submitted report is approved\n"
        "```\n"
        "<!-- not run: a server -->\n"
        "```sh\n"
        "jixiao review inbox\n"
        "```\n",
        encoding="utf-8",
    )
    first, second = doc_steps(doc)
    assert (first.line, first.refused, second.line, second.refused) == (2, False, 4, True)
    run = DocRun()
    run.tokens["li.si"] = "abc.def"
    assert run.run(first) == 0 and run.env["JIXIAO_TOKEN"] == "abc.def"
    assert _commands("jixiao a 'b c' && export X=1  # x") == [
        ["jixiao", "a", "b c"],
        ["export", "X=1"],
    ]
