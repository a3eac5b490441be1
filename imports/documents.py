"""Parsing a report file (YAML or JSON) from its bytes: numbers never as floats, a key typed
twice refused, nesting and alias expansion bounded (docs/decisions/0402)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

#: How deep a report file may nest mappings and lists: the format itself nests 6 deep
#: (document → budget → lines → a line → its adjustments → one adjustment).
MAX_NESTING = 20
#: How many values a YAML report file may expand to, aliases counted each time they are
#: used: a few aliased lists of aliased lists would otherwise be a billion values.
MAX_YAML_NODES = 1_000_000


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


def parse_report_file(data: bytes, source: str) -> Any:
    """Parse the bytes of a report file named ``source``: ``.json`` as JSON (decimals
    exact), anything else as YAML.

    Raises ValueError with the file, line and what was wrong when
    it is not UTF-8, does not parse, nests deeper than :data:`MAX_NESTING`, expands to more
    than :data:`MAX_YAML_NODES` values, or types a key twice in one mapping (which YAML and
    JSON readers would otherwise take as the last one silently).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{source}: byte {error.object[error.start]:#04x} at offset {error.start} is not "
            "UTF-8, expected a UTF-8 text file (YAML or JSON)"
        ) from None
    if source.lower().endswith(".json"):
        if (where := _json_too_deep(text)) is not None:
            raise ValueError(
                f"{source}: {where}: nested more than {MAX_NESTING} levels deep, expected at "
                f"most {MAX_NESTING} (a report file nests 6)"
            )
        try:
            return json.loads(text, parse_float=Decimal, object_pairs_hook=_unique_json_keys)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"{source}: line {error.lineno} column {error.colno}: {error.msg}, expected JSON"
            ) from None
        except ValueError as error:  # a repeated key
            raise ValueError(f"{source}: {error}") from None
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())  # a SafeLoader: plain data only
    except (_RepeatedKey, _TooLarge) as error:
        raise ValueError(f"{source}: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ValueError(f"{source}: {where}{problem}, expected YAML") from None
