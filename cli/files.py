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


def read_document(path: Path) -> Any:
    """Parse a report file: ``.json`` as JSON (decimals exact), anything else as YAML.

    Raises ValueError with the file, line and what was wrong when it does not parse.
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
            return json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"{path}: line {error.lineno} column {error.colno}: {error.msg}, expected JSON"
            ) from None
    import yaml

    try:
        return yaml.safe_load(text)
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
