"""Downloads of a report's rendered files (HTML, PDF, XLSX, DOCX), each checked against the
SHA-256 its ``ReportRendered`` event recorded before a byte is sent."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from projections.report_state import report_document
from web.dependencies import PageCaller, ProjectPath, ServicesDep
from web.errors import Refused, not_found
from web.lanes import QuickRoute

router = APIRouter(route_class=QuickRoute, tags=["pages"], include_in_schema=False)

MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def artifact_file(out_dir: Path, artifact: dict[str, Any]) -> Path | None:
    """Where a recorded file is: at the path the worker recorded, else under its name in
    the server's output folder (a worker on another machine shares it under another path)."""
    recorded = Path(artifact["path"])
    for candidate in (recorded, out_dir / recorded.name):
        if candidate.is_file():
            return candidate
    return None


@router.get("/reports/{department}/{year}/files/{fmt}")
@router.get("/reports/{department}/{year}/projects/{project}/files/{fmt}")
def download(
    department: str,
    year: int,
    fmt: str,
    caller: PageCaller,
    app: ServicesDep,
    project: ProjectPath,
    revision: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """A rendered file of the report (the latest revision unless one is asked for; a
    项目支出 report's under ``/projects/{project}``), sent only when its bytes still have
    the SHA-256 that was recorded."""
    app.reads.readable(caller.actor, department, year, project)
    view = report_document(app.store.engine, department, year, revision, project)
    if view is None:
        raise not_found(department, f"{year} revision {revision}", project)
    artifact = next((a for a in view["artifacts"] if a["format"] == fmt), None)
    if artifact is None:
        formats = ", ".join(a["format"] for a in view["artifacts"]) or "none rendered yet"
        raise Refused(
            404,
            f"format: got {fmt!r}, expected one the revision {view['revision']} was rendered "
            f"in ({formats})",
            "format",
        )
    path = artifact_file(app.settings.out_dir, artifact)
    name = Path(artifact["path"]).name
    if path is None:
        raise Refused(
            404,
            f"file {name}: not found at {artifact['path']} nor in {app.settings.out_dir}, "
            "expected the render worker's output folder (--out) to hold it",
        )
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != artifact["sha256"]:
        raise Refused(
            409,
            f"file {name}: SHA-256 {digest}, expected {artifact['sha256']} as recorded "
            "when it was rendered; the file was changed after it was written",
        )
    return Response(
        data,
        media_type=MEDIA_TYPES.get(fmt, "application/octet-stream"),
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-SHA256": digest,
        },
    )
