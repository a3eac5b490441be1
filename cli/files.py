"""Reading and writing report files: YAML or JSON by extension, numbers never as floats."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO


def dump_yaml(data: Any) -> str:
    """YAML with Chinese text as is, keys in document order, multi-line text as blocks.

    Written by libyaml's emitter when PyYAML has it (four times quicker on a report), except
    for text with characters beyond the Basic Multilingual Plane (the rarer 汉字 of CJK
    Extension B, emoji), which libyaml escapes (``"\\U00020000"``) where the pure-Python
    emitter keeps them as they are: both read back to the same data."""
    import yaml

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    def dumped(base: type) -> str:
        dumper: Any = type("Dumper", (base,), {})
        dumper.add_representer(str, text)
        return yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=10_000)

    quick = getattr(yaml, "CSafeDumper", None)
    if quick is not None and "\\U" not in (found := dumped(quick)):
        return found
    return dumped(yaml.SafeDumper)


#: The largest text file read: a report file (YAML, JSON), a narrative, a scheme. A report at
#: the scheme's limits (5,000 items, sections of 20,000 characters) takes a few megabytes.
MAX_TEXT_BYTES = 16 * 1024 * 1024
#: The largest 自评价表 workbook (.xlsx, as stored: compressed).
MAX_WORKBOOK_BYTES = 16 * 1024 * 1024
#: The largest rendered file `audit artifact` checks (it is hashed, never loaded whole).
MAX_ARTIFACT_BYTES = 1024 * 1024 * 1024


def _not_regular(mode: int) -> str:
    """What a file that is not a regular file is, for a message."""
    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe (FIFO), not a regular file"),
        (stat.S_ISCHR, "a character device, not a regular file"),
        (stat.S_ISBLK, "a block device, not a regular file"),
        (stat.S_ISSOCK, "a socket, not a regular file"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def _cannot_read(given: str, name: str, expected: str, error: OSError) -> ValueError:
    if isinstance(error, FileNotFoundError | NotADirectoryError):
        return ValueError(f"{name}: got {given!r}, no such file; expected {expected}")
    if isinstance(error, IsADirectoryError):
        return ValueError(f"{name}: got {given!r}, a directory; expected {expected}")
    reason = error.strerror or type(error).__name__
    return ValueError(f"{name}: got {given!r}, cannot be read ({reason}); expected {expected}")


def _check_status(status: os.stat_result, given: str, name: str, expected: str, limit: int) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise ValueError(
            f"{name}: got {given!r}, {_not_regular(status.st_mode)}; expected {expected}"
        )
    if status.st_size > limit:
        raise ValueError(
            f"{name}: got {given!r}, {status.st_size:,} bytes; expected {expected} of at most "
            f"{limit:,} bytes"
        )


def regular_file(path: Path | str, name: str, expected: str, limit: int = MAX_TEXT_BYTES) -> int:
    """The size of the file given as ``name`` (an option or argument), checked without
    opening it: a regular file of at most ``limit`` bytes.

    Raises ValueError in one line naming ``name``, the path and ``expected`` when the file
    is missing, a directory, a FIFO (reading one waits for a writer forever), a device
    (``/dev/zero`` never ends) or another special file, or larger than ``limit``.
    """
    given = str(path)
    try:
        status = os.stat(path)
    except OSError as error:
        raise _cannot_read(given, name, expected, error) from None
    _check_status(status, given, name, expected, limit)
    return status.st_size


def file_bytes(path: Path | str, name: str, expected: str, limit: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of the file given as ``name`` (an option or argument): every file jixiao
    reads goes through here, so a special or oversized file is refused before any byte is.

    Raises ValueError in one line as :func:`regular_file` does, or when the file cannot be
    read. The file is opened without waiting (a FIFO put in its place after the check does
    not hang) and read no further than ``limit``.
    """
    given = str(path)
    regular_file(path, name, expected, limit)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise _cannot_read(given, name, expected, error) from None
    with os.fdopen(descriptor, "rb") as handle:
        try:
            # Checked again on what was opened: the path may have been replaced meanwhile.
            _check_status(os.fstat(descriptor), given, name, expected, limit)
            data = handle.read(limit + 1)
        except OSError as error:
            raise _cannot_read(given, name, expected, error) from None
    if len(data) > limit:
        raise ValueError(
            f"{name}: got {given!r}, more than {limit:,} bytes; expected {expected} of at most "
            f"{limit:,} bytes"
        )
    return data


def read_file(path: Path | str, name: str, expected: str) -> str:
    """The UTF-8 text of the file given as ``name``: :func:`file_bytes`, and a ValueError
    naming the first byte that is not UTF-8."""
    given, data = str(path), file_bytes(path, name, expected)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{name}: got {given!r}, expected {expected} (byte "
            f"{error.object[error.start]:#04x} at offset {error.start} is not UTF-8)"
        ) from None


def read_document(path: Path) -> Any:
    """Parse a report file (imports.documents.parse_report_file), read through
    :func:`file_bytes`: a regular file of at most :data:`MAX_TEXT_BYTES`."""
    from imports.documents import parse_report_file

    data = file_bytes(path, "path", "a report file (.yaml, .yml, .json)")
    return parse_report_file(data, str(path))


def check_output(
    path: Path, name: str, *, force: bool = False, protected: Iterable[Path] = ()
) -> None:
    """Refuse (ValueError, one line naming ``name``) to write ``path`` when it is one of the
    ``protected`` files (the database and its journals) even with ``force``, a directory
    or a special file, or a file that exists and ``force`` is not given.

    Paths are compared resolved (symlinks and ``..`` followed), and as files when both exist
    (a hard link is the same file under another name).
    """
    given = str(path)
    target = path.expanduser().resolve()
    for guarded in protected:
        same = target == guarded
        if not same and target.exists() and guarded.exists():
            same = os.path.samefile(target, guarded)
        if same:
            raise ValueError(
                f"{name}: got {given!r}, which is the jixiao database file {guarded}; expected "
                "any other file (the database is never written over, even with --force)"
            )
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return
    except OSError as error:
        raise _cannot_read(given, name, "a file to write", error) from None
    if not stat.S_ISREG(status.st_mode):
        raise ValueError(f"{name}: got {given!r}, {_not_regular(status.st_mode)}; expected a file")
    if not force:
        raise ValueError(
            f"{name}: got {given!r}, a file that exists; expected a new file, or --force to "
            "replace it"
        )


@contextmanager
def output_file(
    path: Path,
    name: str,
    *,
    force: bool = False,
    protected: Iterable[Path] = (),
    encoding: str = "utf-8",
    newline: str | None = None,
) -> Iterator[TextIO]:
    """A text file to write at ``path``, as :func:`check_output` allows: a new file is
    created exclusively (one that appears meanwhile is not written over); a file replaced
    with ``force`` is written beside it and moved over it whole, so a failure leaves the
    old one as it was. A failed write leaves no partial file behind.
    """
    check_output(path, name, force=force, protected=protected)
    written = path.with_name(f".{path.name}.{os.getpid()}.part") if force else path
    try:
        handle = written.open("w" if force else "x", encoding=encoding, newline=newline)
    except FileExistsError:
        raise ValueError(
            f"{name}: got {str(path)!r}, a file that exists; expected a new file, or --force "
            "to replace it"
        ) from None
    try:
        with handle:
            yield handle
        if force:
            os.replace(written, path)
    except BaseException:
        written.unlink(missing_ok=True)
        raise


def write_document(
    data: Any, path: Path, *, force: bool = False, protected: Iterable[Path] = ()
) -> None:
    """Write a report document as JSON (``.json``) or YAML to ``path`` (the ``--out``
    option), as :func:`output_file` allows."""
    if path.suffix.lower() == ".json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    else:
        text = dump_yaml(data)
    with output_file(path, "--out", force=force, protected=protected) as handle:
        handle.write(text)
