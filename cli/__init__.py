"""The `jixiao` command line: a thin typer shell over the application services.

Owns argument parsing, reading settings from options and environment variables,
printing tables, JSON and one-line errors, and exit codes (0 ok, 1 rejected by the
rules, 2 usage). Adds no rule of its own and skips none.

May import: events, workflow, projections, worker. Heavy modules are imported inside
commands so that `jixiao --help` stays fast.
"""
