"""Turning rejections into one line on stderr and the exit code scripts rely on."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

#: Exit code for a command the rules rejected (bad value, wrong stage, stale version…).
REJECTED = 1


def fail(message: str, code: int = REJECTED) -> typer.Exit:
    """Print ``message`` as one line on stderr and return the Exit to raise."""
    from cli.output import shown

    print(f"error: {shown(' '.join(message.split()))}", file=sys.stderr)
    return typer.Exit(code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Report store and domain errors as one line and exit 1; let anything else surface."""
    from events.errors import EventStoreError

    rejected: tuple[type[BaseException], ...] = (EventStoreError,)
    try:
        from workflow.errors import DomainError

        rejected += (DomainError,)
    except ImportError:  # pragma: no cover - the domain package always ships
        pass
    try:
        yield
    except rejected as error:
        # SubmissionBlocked and DocumentRejected list their problems under a headline.
        problems, headline = getattr(error, "problems", None), getattr(error, "headline", None)
        if problems and isinstance(headline, str):
            from cli.output import shown

            # One line per problem, each naming its item, value and expectation.
            print(f"error: {shown(headline)}:", file=sys.stderr)
            for problem in problems:
                print(f"  - {shown(problem)}", file=sys.stderr)
            raise typer.Exit(REJECTED) from None
        raise fail(str(error)) from None
    except ValueError as error:
        raise fail(str(error)) from None
    except OSError as error:
        raise fail(f"file: {error}") from None
    except Exception as error:
        from sqlalchemy.exc import DBAPIError

        # A server that cannot be reached, a file that is not a database, a locked file.
        if isinstance(error, DBAPIError):
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise fail(f"database: cannot use it ({reason})") from None
        raise
