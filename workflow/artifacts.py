"""A rendered file as the log records it, for the commands that record renderings and the
events and state that keep them."""

from __future__ import annotations

from workflow.values import Value


class Artifact(Value):
    """A rendered file: where it is, its size and digest, its format and template version."""

    path: str
    size: int
    sha256: str
    format: str
    template_version: str
