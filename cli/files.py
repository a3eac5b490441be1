"""Reading and writing report files: YAML or JSON by extension, numbers never as floats."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any


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


def file_bytes(path: Path | str, name: str, expected: str) -> bytes:
    """The bytes of the file given as ``name`` (an option or argument).

    Raises ValueError in one line naming ``name``, the path and ``expected`` when the file
    is missing or is not a readable file.
    """
    given, path = str(path), Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"{name}: got {given!r}, no such file; expected {expected}") from None
    except IsADirectoryError:
        raise ValueError(f"{name}: got {given!r}, a directory; expected {expected}") from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ValueError(
            f"{name}: got {given!r}, cannot be read ({reason}); expected {expected}"
        ) from None


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


def _yaml_loader() -> type:
    """A safe YAML loader that refuses a key repeated in one mapping (PyYAML keeps the last)."""
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
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


def read_document(path: Path) -> Any:
    """Parse a report file: ``.json`` as JSON (decimals exact), anything else as YAML.

    Raises ValueError with the file, line and what was wrong when it is not UTF-8, does
    not parse, or types a key twice in one mapping (which YAML and JSON readers would
    otherwise take as the last one silently).
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path}: byte {error.object[error.start]:#04x} at offset {error.start} is not "
            "UTF-8, expected a UTF-8 text file (YAML or JSON)"
        ) from None
    if path.suffix.lower() == ".json":
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
    except _RepeatedKey as error:
        raise ValueError(f"{path}: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ValueError(f"{path}: {where}{problem}, expected YAML") from None


def write_document(data: Any, path: Path) -> None:
    """Write a report document as JSON (``.json``) or YAML."""
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    else:
        path.write_text(dump_yaml(data), encoding="utf-8")
