"""A `jixiao` process does not look for pydantic's plugins unless its user asks for them
(decision 0409): the look is a walk of every installed distribution's entry points."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

#: Imports the command line, builds one model, and prints what pydantic was told and
#: whether it walked the installed distributions' entry points for plugins.
PROBE = """
import importlib.metadata, os
walked = []
real = importlib.metadata.distributions
importlib.metadata.distributions = lambda *a, **k: walked.append(1) or real(*a, **k)
import cli
from pydantic import BaseModel

class Probe(BaseModel):
    value: int

Probe(value=1)
print(repr(os.environ.get("PYDANTIC_DISABLE_PLUGINS")), bool(walked))
"""


def _probe(environment: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
        env=environment,
    )  # fmt: skip
    return done.stdout.strip()


def _without_setting() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}


def test_the_command_line_looks_for_no_plugins() -> None:
    assert _probe(_without_setting()) == "'__all__' False"


@pytest.mark.parametrize(("setting", "walks"), [("", True), ("logfire", True), ("1", False)])
def test_a_users_own_setting_is_kept(setting: str, walks: bool) -> None:
    found = _probe({**_without_setting(), "PYDANTIC_DISABLE_PLUGINS": setting})
    assert found == f"{setting!r} {walks}"
