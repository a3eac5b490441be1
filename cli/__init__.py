"""The `jixiao` command line: a thin typer shell over the application services.

Owns argument parsing, reading settings from options and environment variables,
printing tables, JSON and one-line errors, and exit codes (0 ok, 1 rejected by the
rules, 2 usage). Adds no rule of its own and skips none.

May import: events, workflow, projections, worker. Heavy modules are imported inside
commands so that `jixiao --help` stays fast.
"""

import os

# pydantic looks for its plugins (the entry points of every installed distribution) when it
# builds its first model: 0.01-0.02 s of every command, for plugins jixiao does not use. A
# user who wants theirs sets PYDANTIC_DISABLE_PLUGINS themselves, to an empty value for all
# of them (docs/decisions/0409).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
