"""Prove that a rendered report matches its events.

Two checks per artifact of a ``ReportRendered`` event: the file on disk still has the
size and SHA-256 the event recorded, and rendering the revision again from the log
(folded up to its sign-off) gives the same SHA-256. The second needs the template
version the artifact was rendered with.

A published file found elsewhere (a download from the government site) is traced back to
its event by its digest and judged by its own bytes (:func:`verify_file`). The other
files of that rendering are looked for where the worker wrote them, then beside the given
file under their recorded names; one found nowhere is reported as not found, which fails
nothing, while one found with other bytes fails the verification as always.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from events import EventStore
from worker.artifact_files import sha256_of
from worker.ledger import RenderTarget
from worker.render import TEMPLATE_VERSION, provenance_of, render_documents, signed_off_view
from worker.revision import NothingToRender, SignedOffRevision, find_signed_off
from workflow.artifacts import Artifact
from workflow.report_events import ReportRendered


class UnknownArtifact(Exception):
    """No ``ReportRendered`` event records a file with this digest."""


@dataclass(frozen=True)
class ArtifactCheck:
    """The checks of one artifact; ``problems`` says what did not match."""

    artifact: Artifact
    #: None when no copy of the file was found to check (a sibling of a file given to
    #: :func:`verify_file`, looked for and not found): reported, not a failure.
    file_matches: bool | None
    #: None when the artifact's template version is not this worker's: not re-rendered.
    rerender_matches: bool | None
    problems: tuple[str, ...] = ()
    #: The file whose bytes were checked (None when none was found).
    checked_path: str | None = None

    @property
    def ok(self) -> bool:
        """No file checked differs from its event, and re-rendering (where possible) gives
        the same bytes."""
        return self.file_matches is not False and self.rerender_matches is not False


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


def _file_problem(artifact: Artifact, path: Path) -> str | None:
    """What is wrong with ``path`` as the file ``artifact`` recorded; None if nothing."""
    if not path.is_file():
        return f"{path}: missing"
    try:
        size = path.stat().st_size
        if size != artifact.size:
            return f"{path}: {size} bytes, the event recorded {artifact.size}"
        digest = sha256_of(path)
    except OSError as error:
        return f"{path}: cannot be read ({error.strerror or error})"
    if digest != artifact.sha256:
        return f"{path}: SHA-256 {digest}, the event recorded {artifact.sha256}"
    return None


def _check(
    artifact: Artifact, path: Path | None, again: dict[str, str], not_found: str = ""
) -> ArtifactCheck:
    """The checks of ``artifact`` against the file at ``path`` (None: ``not_found`` says
    where it was looked for) and against the re-rendered digests ``again``."""
    problems = []
    if path is None:
        file_matches = None
        problems.append(not_found)
    else:
        file_problem = _file_problem(artifact, path)
        file_matches = file_problem is None
        if file_problem:
            problems.append(file_problem)
    digest = again.get(artifact.format)
    matches = None if digest is None else digest == artifact.sha256
    if matches is False:
        problems.append(f"{artifact.format}: rendering the log again gives SHA-256 {digest}")
    checked = None if path is None else str(path)
    return ArtifactCheck(artifact, file_matches, matches, tuple(problems), checked)


def _rerendered(
    store: EventStore, signed: SignedOffRevision, artifacts: tuple[Artifact, ...]
) -> dict[str, str]:
    formats = [a.format for a in artifacts if a.template_version == TEMPLATE_VERSION]
    if not formats:
        return {}
    view = signed_off_view(store, signed)
    documents = render_documents(
        view, provenance_of(store, signed, view, TEMPLATE_VERSION), formats
    )
    return {fmt: hashlib.sha256(data).hexdigest() for fmt, data in documents.items()}


def verify_rendering(
    store: EventStore,
    department: str,
    year: int,
    revision: int | None = None,
    *,
    rerender: bool = True,
    project: str | None = None,
) -> Verification:
    """Check every artifact of a rendered revision (the latest signed off when None; a
    项目支出 report's with ``project``)."""
    signed = find_signed_off(store, department, year, revision, current_only=False, project=project)
    if signed.rendered is None:
        raise NothingToRender(f"report {signed.stream_id} revision {signed.revision}: not rendered")
    again = _rerendered(store, signed, signed.rendered) if rerender else {}
    checks = tuple(_check(a, Path(a.path), again) for a in signed.rendered)
    return Verification(signed.stream_id, signed.revision, checks)


def _find_rendered(
    store: EventStore, digest: str
) -> tuple[RenderTarget, tuple[Artifact, ...], Artifact]:
    """The revision, every artifact of the ``ReportRendered`` that recorded a file with
    SHA-256 ``digest``, and that file's artifact; UnknownArtifact if none did."""
    for record in store.find_events(ReportRendered.event_type, digest):
        event = record.event
        assert isinstance(event, ReportRendered)
        for artifact in event.artifacts:
            if artifact.sha256 == digest:
                target = RenderTarget.from_stream(record.stream_id, event.revision)
                return target, event.artifacts, artifact
    raise UnknownArtifact(f"SHA-256 {digest}: no ReportRendered event records this file")


def verify_file(store: EventStore, path: str | Path) -> Verification:
    """Trace a published file to the ``ReportRendered`` that recorded it, and verify that
    rendering with the file given standing for its own artifact.

    The given file matches its event by construction (it was found by its digest), wherever
    it is kept. Each other file of the rendering is checked where the worker wrote it, else
    beside the given file under its recorded name; found in neither place, it is reported
    as not found (``file_matches`` None) without failing the verification. Every format is
    rendered again from the log, as :func:`verify_rendering` does.
    """
    given = Path(path)
    target, artifacts, own = _find_rendered(store, sha256_of(given))
    signed = find_signed_off(
        store,
        target.department,
        target.year,
        target.revision,
        current_only=False,
        project=target.project,
    )
    again = _rerendered(store, signed, artifacts)
    checks = []
    for artifact in artifacts:
        if artifact == own:
            checks.append(_check(artifact, given, again))
            continue
        recorded = Path(artifact.path)
        places = list(dict.fromkeys((recorded, given.parent / recorded.name)))
        found = next((place for place in places if place.is_file()), None)
        looked = " and ".join(str(place) for place in places)
        checks.append(_check(artifact, found, again, f"not found (looked at {looked})"))
    return Verification(signed.stream_id, signed.revision, tuple(checks))
