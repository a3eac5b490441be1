"""`jixiao whoami`: who the credentials in use sign in as, and the roles they hold."""

from __future__ import annotations

import typer

from cli.options import JsonOption


def whoami(as_json: JsonOption = False) -> None:
    """Show who --user and --token sign in as (on the database, or the server with
    --server), and the roles they hold.

    Example: JIXIAO_USER=zhang.san JIXIAO_TOKEN=… jixiao whoami
    """
    from cli.backend import backend
    from cli.output import print_json, shown

    me = backend().me()
    if as_json:
        print_json(me)
        return
    typer.echo(shown(f"{me['user']} ({me['name']})"))
    typer.echo(shown(f"roles: {', '.join(me['grants']) or 'none'}"))
