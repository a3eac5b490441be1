"""Prove that a rendered report matches its events.

Two checks per artifact of a ``ReportRendered`` event: the file on disk still has the
size and SHA-256 the event recorded, and rendering the revision again from the log
(folded up to its sign-off) gives the same SHA-256. The second needs the template
version the artifact was rendered with. A published file found elsewhere (a download
from the government site) is traced back to its event by its digest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from events import EventStore
from events.schema import events_table
from worker.artifact_files import sha256_of
from worker.ledger import RenderTarget
from worker.render import TEMPLATE_VERSION, provenance_of, render_documents, signed_off_view
from worker.revision import NothingToRender, SignedOffRevision, find_signed_off
from workflow.commands import Artifact
from workflow.report_events import ReportRendered

_E = events_table.c


class UnknownArtifact(Exception):
    """No ``ReportRendered`` event records a file with this digest."""


@dataclass(frozen=True)
class ArtifactCheck:
    """The checks of one artifact; ``problems`` says what did not match."""

    artifact: Artifact
    file_matches: bool
    #: None when the artifact's template version is not this worker's: not re-rendered.
    rerender_matches: bool | None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """The file matches its event, and re-rendering (where possible) gives the same bytes."""
        return self.file_matches and self.rerender_matches is not False


@dataclass(frozen=True)
class Verification:
    """The verification of one rendered revision."""

    report: str
    revision: int
    checks: tuple[ArtifactCheck, ...]

    @property
    def ok(self) -> bool:
        """Every artifact checks out."""
        return all(check.ok for check in self.checks)


def _file_problem(artifact: Artifact) -> str | None:
    path = Path(artifact.path)
    if not path.is_file():
        return f"{artifact.path}: missing"
    size = path.stat().st_size
    if size != artifact.size:
        return f"{artifact.path}: {size} bytes, the event recorded {artifact.size}"
    digest = sha256_of(path)
    if digest != artifact.sha256:
        return f"{artifact.path}: SHA-256 {digest}, the event recorded {artifact.sha256}"
    return None


def _rerendered(
    store: EventStore, signed: SignedOffRevision, artifacts: tuple[Artifact, ...]
) -> dict[str, str]:
    formats = [a.format for a in artifacts if a.template_version == TEMPLATE_VERSION]
    if not formats:
        return {}
    documents = render_documents(
        signed_off_view(store, signed), provenance_of(signed, TEMPLATE_VERSION), formats
    )
    return {fmt: hashlib.sha256(data).hexdigest() for fmt, data in documents.items()}


def verify_rendering(
    store: EventStore,
    department: str,
    year: int,
    revision: int | None = None,
    *,
    rerender: bool = True,
) -> Verification:
    """Check every artifact of a rendered revision (the latest signed off when None)."""
    signed = find_signed_off(store, department, year, revision, current_only=False)
    if signed.rendered is None:
        raise NothingToRender(f"report {signed.stream_id} revision {signed.revision}: not rendered")
    again = _rerendered(store, signed, signed.rendered) if rerender else {}
    checks = []
    for artifact in signed.rendered:
        file_problem = _file_problem(artifact)
        digest = again.get(artifact.format)
        matches = None if digest is None else digest == artifact.sha256
        problems = [file_problem] if file_problem else []
        if matches is False:
            problems.append(f"{artifact.format}: rendering the log again gives SHA-256 {digest}")
        checks.append(ArtifactCheck(artifact, file_problem is None, matches, tuple(problems)))
    return Verification(signed.stream_id, signed.revision, tuple(checks))


def find_rendering(store: EventStore, digest: str) -> tuple[RenderTarget, Artifact]:
    """The revision and artifact whose recorded SHA-256 is ``digest``; UnknownArtifact if none."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(_E.stream_id, _E.event_type, _E.schema_version, _E.payload)
            .where(_E.event_type == "ReportRendered", _E.payload.contains(digest))
            .order_by(_E.position)
        ).all()
    for row in rows:
        event = store.registry.decode(row.event_type, row.schema_version, row.payload)
        assert isinstance(event, ReportRendered)
        for artifact in event.artifacts:
            if artifact.sha256 == digest:
                return RenderTarget.from_stream(row.stream_id, event.revision), artifact
    raise UnknownArtifact(f"SHA-256 {digest}: no ReportRendered event records this file")


def verify_file(store: EventStore, path: str | Path) -> Verification:
    """Trace a published file to the ``ReportRendered`` that recorded it, and verify that.

    The returned verification is of the revision the file belongs to; the file itself
    matches its event by construction (it was found by its digest).
    """
    target, _ = find_rendering(store, sha256_of(Path(path)))
    return verify_rendering(store, target.department, target.year, target.revision)
