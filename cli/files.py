"""Reading and writing report files: YAML or JSON by extension, numbers never as floats."""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO


def dump_yaml(data: Any) -> str:
    """YAML with Chinese text as is, keys in document order, multi-line text as blocks."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return yaml.dump(data, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=10_000)


#: The largest text file read: a report file (YAML, JSON), a narrative, a scheme. A report at
#: the scheme's limits (5,000 items, sections of 20,000 characters) takes a few megabytes.
MAX_TEXT_BYTES = 16 * 1024 * 1024
#: The largest 自评价表 workbook (.xlsx, as stored: compressed).
MAX_WORKBOOK_BYTES = 16 * 1024 * 1024
#: The largest rendered file `audit artifact` checks (it is hashed, never loaded whole).
MAX_ARTIFACT_BYTES = 1024 * 1024 * 1024
#: How deep a report file may nest mappings and lists: the format itself nests 6 deep
#: (document → budget → lines → a line → its adjustments → one adjustment).
MAX_NESTING = 20
#: How many values a YAML report file may expand to, aliases counted each time they are
#: used: a few aliased lists of aliased lists would otherwise be a billion values.
MAX_YAML_NODES = 1_000_000


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


def _unique_json_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"key {key!r} appears twice in one object, expected each key once")
        seen[key] = value
    return seen


class _RepeatedKey(ValueError):
    """A key typed twice in one YAML mapping, with where the second one is."""


class _TooLarge(ValueError):
    """A YAML document nested too deep or expanding to too many values, with where."""


def _yaml_loader() -> type:
    """A safe YAML loader that refuses a key repeated in one mapping (PyYAML keeps the last),
    nesting deeper than :data:`MAX_NESTING` and more than :data:`MAX_YAML_NODES` values."""
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        depth = 0
        # Values under each composed node, aliases counted as often as they are used.
        sizes: dict[int, int]

        def compose_document(self) -> yaml.Node | None:
            self.sizes = {}
            return super().compose_document()

        def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
            mark = self.peek_event().start_mark
            where = f"line {mark.line + 1} column {mark.column + 1}"
            # Levels are mappings and lists, as in JSON: a scalar nests nothing.
            level = int(self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent))
            if level and self.depth >= MAX_NESTING:
                raise _TooLarge(
                    f"{where}: nested more than {MAX_NESTING} levels deep, expected at most "
                    f"{MAX_NESTING} (a report file nests 6)"
                )
            self.depth += level
            try:
                # The stub says int; PyYAML passes a mapping value's key node as its index.
                node = super().compose_node(parent, index)  # type: ignore[arg-type]
            finally:
                self.depth -= level
            if node is None:
                return None
            if id(node) not in self.sizes:  # an alias's node is counted where it was written
                children: list[yaml.Node] = []
                if isinstance(node, yaml.SequenceNode):
                    children = node.value
                elif isinstance(node, yaml.MappingNode):
                    children = [part for pair in node.value for part in pair]
                self.sizes[id(node)] = 1 + sum(self.sizes.get(id(c), 1) for c in children)
            if self.sizes[id(node)] > MAX_YAML_NODES:
                raise _TooLarge(
                    f"{where}: expands to more than {MAX_YAML_NODES:,} values (aliases "
                    f"counted each time they are used), expected at most {MAX_YAML_NODES:,}"
                )
            return node

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
            first: dict[Any, Any] = {}
            for key_node, _ in node.value:
                # Merge keys (<<) may repeat what they merge; only the scalar keys typed in
                # this mapping are compared.
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                    continue
                key = self.construct_object(key_node)
                if key in first:
                    mark = key_node.start_mark
                    raise _RepeatedKey(
                        f"line {mark.line + 1} column {mark.column + 1}: key {key!r} appears "
                        f"twice in one mapping (first on line {first[key]}), expected each "
                        "key once"
                    )
                first[key] = key_node.start_mark.line + 1
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


#: What a JSON text nests with, and strings (whose brackets are text, not nesting).
_JSON_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _json_too_deep(text: str) -> str | None:
    """Where ``text`` first nests deeper than :data:`MAX_NESTING`, as ``line L column C``;
    None if it never does. Checked before parsing: the parser recurses once per level."""
    depth = 0
    for token in _JSON_NESTING.finditer(text):
        bracket = token[0]
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_NESTING:
                at = token.start()
                line = text.count("\n", 0, at) + 1
                column = at - text.rfind("\n", 0, at)
                return f"line {line} column {column}"
        elif bracket in ("]", "}"):
            depth -= 1
    return None


def read_document(path: Path) -> Any:
    """Parse a report file: ``.json`` as JSON (decimals exact), anything else as YAML.

    The file is read through :func:`file_bytes` (a regular file of at most
    :data:`MAX_TEXT_BYTES`). Raises ValueError with the file, line and what was wrong when
    it is not UTF-8, does not parse, nests deeper than :data:`MAX_NESTING`, expands to more
    than :data:`MAX_YAML_NODES` values, or types a key twice in one mapping (which YAML and
    JSON readers would otherwise take as the last one silently).
    """
    data = file_bytes(path, "path", "a report file (.yaml, .yml, .json)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path}: byte {error.object[error.start]:#04x} at offset {error.start} is not "
            "UTF-8, expected a UTF-8 text file (YAML or JSON)"
        ) from None
    if path.suffix.lower() == ".json":
        if (where := _json_too_deep(text)) is not None:
            raise ValueError(
                f"{path}: {where}: nested more than {MAX_NESTING} levels deep, expected at "
                f"most {MAX_NESTING} (a report file nests 6)"
            )
        try:
            return json.loads(text, parse_float=Decimal, object_pairs_hook=_unique_json_keys)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"{path}: line {error.lineno} column {error.colno}: {error.msg}, expected JSON"
            ) from None
        except ValueError as error:  # a repeated key
            raise ValueError(f"{path}: {error}") from None
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())  # a SafeLoader: plain data only
    except (_RepeatedKey, _TooLarge) as error:
        raise ValueError(f"{path}: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ValueError(f"{path}: {where}{problem}, expected YAML") from None


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
