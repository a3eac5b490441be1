"""The report as PDF through WeasyPrint, with the CJK font fontconfig finds.

WeasyPrint takes the document dates from the HTML's ``dcterms.created`` and
``dcterms.modified`` meta tags (the sign-off time), and the file identifier is derived
from the HTML, so the same HTML gives the same PDF bytes with the same WeasyPrint, Pango
and fonts.
"""

from __future__ import annotations

import hashlib
import types
import zlib
from functools import cache

import pydyf
import weasyprint
from weasyprint.text.fonts import FontConfiguration

#: zlib level for the PDF's streams. pydyf (WeasyPrint's PDF writer) uses level 9, which
#: took a third of the seed report's PDF time (~0.1 s) to save 3% of its size; level 1
#: keeps the file within 3% and the output as deterministic.
COMPRESSION_LEVEL = 1


def _fast_compressobj(*_: object, **__: object) -> zlib._Compress:
    return zlib.compressobj(COMPRESSION_LEVEL)


# pydyf takes no compression level, so its module's view of zlib is swapped for one
# whose compressobj ignores the level it asks for.
pydyf.zlib = types.SimpleNamespace(compress=zlib.compress, compressobj=_fast_compressobj)


@cache
def _fonts() -> FontConfiguration:
    # One Pango font map per process: building it for every document costs ~0.05 s.
    return FontConfiguration()


def render_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML document, reproducible from the same HTML."""
    identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
    return weasyprint.HTML(string=html).write_pdf(font_config=_fonts(), pdf_identifier=identifier)
