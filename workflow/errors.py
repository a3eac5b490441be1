"""Domain errors: each message is one line naming the item, the value received and what was
expected, so every interface can print it as it is. Nothing is recorded when one is raised."""

from __future__ import annotations

from collections.abc import Sequence


def _one_line(text: str) -> str:
    # Values typed by users may carry newlines (the seed's cells wrap); an error must not.
    return " ".join(text.split())


class DomainError(Exception):
    """Base of every rule violation; the command that raised it recorded nothing."""

    def __init__(self, message: str) -> None:
        super().__init__(_one_line(message))

    @property
    def message(self) -> str:
        """The one-line message."""
        return str(self)


class InvalidValue(DomainError):
    """A value that cannot be understood or is out of range."""

    def __init__(self, subject: str, value: object, expected: str, hint: str | None = None):
        self.subject = subject
        self.value = value
        shown = repr(value) if isinstance(value, str) else repr(str(value))
        suffix = f" — {hint}" if hint else ""
        super().__init__(f"{subject}: got {shown}, expected {expected}{suffix}")


class TooLarge(InvalidValue):
    """A text or a report beyond a size limit; the message gives the size, never the text."""

    def __init__(self, subject: str, size: str, limit: str) -> None:
        self.subject = subject
        self.value = size
        DomainError.__init__(self, f"{subject}: got {size}, expected {limit}")


class TooManyItems(TooLarge):
    """A command that would take a report beyond its scheme's ``limits.items``."""


class UnknownItem(DomainError):
    """A reference to a line, indicator, adjustment, user, department or year that is not there."""


class DuplicateItem(DomainError):
    """An item that already exists under that id."""


class WrongStage(DomainError):
    """A command the actor's role may issue, but not while the report is in this stage."""


class NotAuthorized(DomainError):
    """A command the actor holds no role for, in the report's department."""


class DutiesNotSeparated(DomainError):
    """Somebody tried to approve or sign off what they submitted, or to act twice in one role."""


class StaleRevision(DomainError):
    """A command addressed to a revision of the report that is no longer current."""


class StaleVersion(DomainError):
    """The stream moved on since the caller read it."""


class AuthenticationFailed(DomainError):
    """Unknown user or a token that does not match; checked before any rule runs."""


class SchemeError(DomainError):
    """An evaluation scheme file that does not describe a valid scheme."""


class SubmissionBlocked(DomainError):
    """Submission checks failed; ``problems`` lists every one, each naming its item."""

    def __init__(self, report: str, problems: Sequence[str]) -> None:
        self.problems = [_one_line(p) for p in problems]
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        self.headline = f"report {report} cannot be submitted, {count} {noun}"
        super().__init__(f"{self.headline}: " + "; ".join(self.problems))


class DocumentRejected(DomainError):
    """A report file or spreadsheet with problems; ``problems`` lists every one by location."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.problems = [_one_line(p) for p in problems]
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        self.headline = f"{source} rejected, nothing recorded, {count} {noun}"
        super().__init__(f"{self.headline}: " + "; ".join(self.problems))
