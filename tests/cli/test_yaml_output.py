"""Report files as YAML: written by libyaml's emitter, or by the pure-Python one for text
beyond the Basic Multilingual Plane, which libyaml would escape; either way the file reads
back as the data it was written from."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.files import dump_yaml
from cli.seed_file import SEED_FILE


def _pure_python(data: object) -> str:
    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(str, text)
    return yaml.dump(data, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=10_000)


def test_the_seed_report_is_written_as_the_pure_python_emitter_writes_it() -> None:
    document = yaml.safe_load(SEED_FILE.read_text(encoding="utf-8"))
    assert dump_yaml(document) == _pure_python(document)


@pytest.mark.parametrize(
    "value",
    [
        "𠀀测试",  # CJK Extension B, in a name
        "名称𡒄",
        "多行\n𠀀文本\n",
        "捐赠 😀",
        "a\\Ub",  # a backslash before U in the text itself
        "\r\ufeff%*\u3000b\xa0 }yes \n \n",
        "",
        "yes",
        "0.10",
    ],
)
def test_text_is_kept_as_it_is_and_reads_back_the_same(value: str) -> None:
    data = {"department_name": value, "sections": [{"id": "1.3", "text": value}]}
    written = dump_yaml(data)
    assert yaml.safe_load(written) == data
    if any(ord(c) > 0xFFFF for c in value):
        assert written == _pure_python(data)
        assert value.split("\n")[0] in written  # not escaped as \U000…


#: Text as the domain keeps it (no character of workflow.text.UNSAFE_CATEGORIES), with line
#: breaks and tabs.
_TEXT = st.text(
    st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp"),
        include_characters="\n\t",
    ),
    max_size=60,
)
_VALUES = st.recursive(
    _TEXT | st.integers() | st.none() | st.booleans(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_TEXT, _VALUES, max_size=5))
def test_any_document_reads_back_as_written(data: dict) -> None:
    assert yaml.safe_load(dump_yaml(data)) == data
