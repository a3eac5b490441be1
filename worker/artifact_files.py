"""Artifact files: deterministic names, digests, and atomic create-once writes.

A file is written to a temporary name in ``<out>/.partial``, flushed to disk, then
hard-linked to its final name, which fails if the name exists: a duplicated or
redelivered render never replaces a file another attempt already published, and a
reader never sees a half-written file.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

#: Where files are written before they get their final name.
PARTIAL_DIR = ".partial"


def artifact_name(
    department: str,
    year: int,
    revision: int,
    template_version: str,
    fmt: str,
    project: str | None = None,
) -> str:
    """The file name of one artifact: ``<department>-<year>-r<revision>-<template>.<format>``,
    or for a 项目支出 report ``<department>-<year>@<project>-r<revision>-…``: ``@`` is in no
    id, so no department's or project's code can make one report's name another's."""
    which = f"{department}-{year}" + (f"@{project}" if project is not None else "")
    return f"{which}-r{revision}-{template_version}.{fmt}"


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_once(path: Path, data: bytes) -> bool:
    """Create ``path`` holding ``data`` atomically and durably; False if it already exists."""
    partial = path.parent / PARTIAL_DIR
    partial.mkdir(parents=True, exist_ok=True)
    temporary = partial / f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        with temporary.open("xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        _fsync_dir(path.parent)
        return True
    finally:
        temporary.unlink(missing_ok=True)
