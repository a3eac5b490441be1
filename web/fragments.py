"""Rendered blocks of a page kept for the same arguments: the report page's edit blocks.

A preparer's report page holds a block for every budget line, indicator and section (its
summary, and the full edit block of the item edited, decision 0623) and a row of the
自评价表 for each; a change touches one item, so the other blocks come out the same as last
time. A block is a jinja2 macro that shows
nothing but its arguments, so it is kept under the whole of them, written out as JSON:
another report, another revision, other comments or another item's content is another key,
and a block can never be shown stale or to someone it was not rendered for.

The CSRF token is left out of the key: a block is rendered once with a placeholder, a random
string no user can type or guess, and each request's own token replaces it. A block with a
refused form in it (``failed``) is rendered afresh every time and never kept. See
docs/decisions/0611.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from jinja2 import Environment
from jinja2.runtime import Macro

from web.recent import ByIdentity, Recent

#: What blocks and kept pages are rendered with in place of the CSRF token: drawn when the
#: process starts, it never leaves the server, and no user can type or guess it.
CSRF_PLACEHOLDER = f"csrf-{secrets.token_hex(24)}"

#: How many rendered blocks a process keeps: a preparer's page has some 60 items' summaries
#: of about 0.3 kB (an edited item's edit block, some 3 kB, in their place) and some 60 rows
#: of its 自评价表 of about 0.5 kB: some 170 reports' pages in 20,000 blocks, and the memory
#: of 0621's 36 MB is now an upper bound.
BLOCKS_KEPT = 20_000
#: How many whole lists of blocks a process keeps joined: a report page has six lists (its
#: budget rows, indicator rows and narrative, and the three lists of edit blocks), some
#: 50 kB in all; 2,048 lists hold some 340 reports' pages in about 17 MB.
LISTS_KEPT = 2_048


class KeptList(list[Any]):
    """A list of a page's items that its maker keeps and gives again while what it was made
    from is the same (web.kept_rows): ``fragment.each`` knows such a list by itself."""


class Rendered:
    """Rendered HTML a template writes out as it is, like a ``Markup``, but kept a plain
    ``str`` inside: the template's ``escape`` wraps what ``__html__`` gives in a Markup, and
    wrapping a plain string copies it at memory speed where wrapping a Markup copies it a
    character at a time (some 280 µs for a list of blocks of 135,000 characters)."""

    __slots__ = ("html",)

    def __init__(self, html: str) -> None:
        self.html = html

    def __html__(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


class Fragments:
    """The ``fragment(macro, csrf=…, failed=…, **arguments)`` global of the pages, and its
    ``fragment.each`` for a list of blocks."""

    def __init__(self, env: Environment, *templates: str, size: int = BLOCKS_KEPT) -> None:
        self.env = env
        self.templates = templates
        self.placeholder = CSRF_PLACEHOLDER
        #: Blocks by their name and arguments.
        self._kept: Recent[str] = Recent(size)
        #: Whole lists of blocks, joined, by the arguments of every block of the list.
        self._lists: Recent[str] = Recent(LISTS_KEPT)
        #: The same, by the list itself: a :class:`KeptList` is known without writing its
        #: items out again. Only those are held: a list made afresh for each page would
        #: never be asked for again.
        self._same: ByIdentity[str] = ByIdentity(LISTS_KEPT)
        self._macros: dict[str, Any] | None = None

    def load(self) -> None:
        """Compile the blocks' templates (once per process, before the first request)."""
        if self._macros is None:
            macros: dict[str, Any] = {}
            for template in self.templates:
                module = self.env.get_template(template).module
                found = vars(module).items()
                macros.update((name, value) for name, value in found if isinstance(value, Macro))
            self._macros = macros

    def _macro(self, name: str) -> Any:
        self.load()
        assert self._macros is not None
        return self._macros[name]

    def __call__(self, name: str, *, csrf: str, failed: Any = None, **arguments: Any) -> Rendered:
        """The macro ``name`` rendered with ``arguments`` and the caller's ``csrf`` token."""
        if failed is not None:
            return Rendered(str(self._macro(name)(csrf=csrf, failed=failed, **arguments)))
        try:
            # orjson: the key is written for every block of every page, and the standard
            # library's encoder took a tenth of a page's rendering.
            key = (name, orjson.dumps(arguments))
        except TypeError:  # an argument JSON cannot write out exactly: never kept
            return Rendered(str(self._macro(name)(csrf=csrf, failed=None, **arguments)))
        block = self._kept.get(key)
        if block is None:
            block = str(self._macro(name)(csrf=self.placeholder, failed=None, **arguments))
            self._kept.put(key, block)
        if csrf == self.placeholder:  # a kept page's block: its page puts the token in
            return Rendered(block)
        return Rendered(block.replace(self.placeholder, csrf))

    def each(
        self,
        name: str,
        items: Sequence[Mapping[str, Any]],
        *,
        csrf: str | None = None,
        failed: Any = None,
        **shared: Any,
    ) -> Rendered:
        """The macro ``name`` rendered for each of ``items`` (the arguments that differ from
        one block to the next, such as the item and its comments) with the ``shared``
        arguments, each block followed by a line break: what a loop of ``fragment`` calls
        gives, for one call from the template. The shared arguments are written out once
        for the list and each item's own; a block is kept under both, so under the whole
        of its arguments as ever, and the whole list is kept joined under all of them. Blocks
        without a form (rows of the 自评价表) are called without ``csrf``."""
        if failed is not None:
            macro = self._macro(name)
            token = {} if csrf is None else {"csrf": csrf}
            return Rendered(
                "".join(f"{macro(**token, failed=failed, **shared, **item)}\n" for item in items)
            )
        try:
            written = orjson.dumps(shared)
        except TypeError:  # never kept, as for a single block
            joined = self._joined(name, items, csrf, shared, None)
        else:
            listed = lambda: self._listed(name, items, csrf, shared, written)  # noqa: E731
            joined = (
                self._same.made((name, csrf is None), items, written, listed)
                if isinstance(items, KeptList)
                else listed()
            )
        if csrf is None or csrf == self.placeholder:
            return Rendered(joined)
        return Rendered(joined.replace(self.placeholder, csrf))

    def _listed(
        self,
        name: str,
        items: Sequence[Mapping[str, Any]],
        csrf: str | None,
        shared: dict[str, Any],
        written: bytes,
    ) -> str:
        """The blocks of ``items`` joined, the whole list kept under all their arguments
        written out (an item JSON cannot write out: never kept, as for a single block)."""
        try:
            whole = (name, csrf is None, written, orjson.dumps(items))
        except TypeError:
            return self._joined(name, items, csrf, shared, None)
        joined = self._lists.get(whole)
        if joined is None:
            joined = self._joined(name, items, csrf, shared, written)
            self._lists.put(whole, joined)
        return joined

    def _joined(
        self,
        name: str,
        items: Sequence[Mapping[str, Any]],
        csrf: str | None,
        shared: dict[str, Any],
        written: bytes | None,
    ) -> str:
        """The blocks of ``items``, each kept under its own arguments, joined (with the
        placeholder for the CSRF token)."""
        macro = None
        token = {} if csrf is None else {"csrf": self.placeholder}
        blocks: list[str] = []
        for item in items:
            try:
                key = None if written is None else (name, written, orjson.dumps(item))
            except TypeError:  # never kept, as for a single block
                key = None
            block = None if key is None else self._kept.get(key)
            if block is None:
                macro = macro or self._macro(name)
                block = str(macro(**token, failed=None, **shared, **item))
                if key is not None:
                    self._kept.put(key, block)
            blocks.append(block)
        blocks.append("")  # a line break after the last block too
        return "\n".join(blocks)
