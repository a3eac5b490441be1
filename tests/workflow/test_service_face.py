"""The application service's public face (``workflow.service``) imports each name from its
module on first use (decision 0409): every listed name resolves, to its module's own
object, and a name it does not list is refused as Python refuses any missing attribute."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import workflow.service as service

_INIT = Path(service.__file__)


def _type_checking_names() -> set[str]:
    """The names the ``TYPE_CHECKING`` block imports: what mypy checks callers against."""
    tree = ast.parse(_INIT.read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If))
    imports = [node for node in block.body if isinstance(node, ast.ImportFrom)]
    return {alias.name for node in imports for alias in node.names}


def test_the_public_names_the_table_and_the_checked_imports_agree() -> None:
    assert set(service.__all__) == set(service._WHERE) == _type_checking_names()


@pytest.mark.parametrize("name", sorted(service._WHERE))
def test_each_name_is_its_modules_own(name: str) -> None:
    module = importlib.import_module(service._WHERE[name])
    assert getattr(service, name) is getattr(module, name)


def test_an_unknown_name_is_refused() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'execute_everything'"):
        service.execute_everything  # noqa: B018
    with pytest.raises(ImportError):
        exec("from workflow.service import execute_everything", {})
