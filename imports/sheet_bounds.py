"""The limits a 自评价表 workbook must keep before it is loaded.

An .xlsx file is a zip archive of XML: a few hundred kilobytes can hold millions of cells,
and openpyxl builds an object for every one of them (10 million took 3.65 GB). So the
archive is checked first, each step before anything costlier:

1. its members and their uncompressed sizes, from the zip directory (zipfile never inflates
   a member past the size the directory declares, so the total bounds everything after);
2. every worksheet's declared size (``<dimension ref="A1:N40"/>``) and every cell's place
   and count, in one streaming pass over the XML (expat, no tree kept), which stops at the
   first value past a limit. A document type declaration, which no workbook needs and
   which is how entity-expansion attacks begin, is refused there too.

The limits are far above any real 自评价表: a report at the scheme's largest (5,000 items)
fills about 5,000 rows of a dozen columns.
"""

from __future__ import annotations

import io
import zipfile
from xml.parsers import expat

from openpyxl.utils.cell import column_index_from_string as column_number
from openpyxl.utils.cell import coordinate_from_string, range_boundaries

#: Files in the archive (a workbook saved by Excel or WPS has a few dozen).
MAX_MEMBERS = 1_000
#: All members together, inflated.
MAX_UNCOMPRESSED = 32 * 1024 * 1024
#: Rows and columns of any sheet, declared or used.
MAX_ROWS = 20_000
MAX_COLUMNS = 64
#: Cells written in all sheets together (empty ones with a style included).
MAX_CELLS = 250_000

#: SpreadsheetML's namespace, in its transitional and strict forms.
_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_CELL = {f"{ns} c" for ns in _NAMESPACES}
_ROW = {f"{ns} row" for ns in _NAMESPACES}
_DIMENSION = {f"{ns} dimension" for ns in _NAMESPACES}

EXPECTED = "an .xlsx file saved by Excel, WPS or LibreOffice"


class _Refused(Exception):
    """A limit passed while streaming a member: the one-line reason."""


def check_workbook(data: bytes, source: str) -> None:
    """Refuse (ValueError, one line naming ``source``) a workbook past any limit above.

    ``data`` is the file's bytes as cli.files.file_bytes read them (size already bounded).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ValueError(
            f"{source}: cannot be read as a workbook ({error}), expected {EXPECTED}"
        ) from None
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ValueError(
            f"{source}: archive members: got {len(members):,} files, expected at most "
            f"{MAX_MEMBERS:,} ({EXPECTED})"
        )
    inflated = sum(member.file_size for member in members)
    if inflated > MAX_UNCOMPRESSED:
        largest = max(members, key=lambda member: member.file_size)
        raise ValueError(
            f"{source}: uncompressed size: got {inflated:,} bytes ({largest.filename} alone "
            f"{largest.file_size:,}), expected at most {MAX_UNCOMPRESSED:,} bytes"
        )
    cells = _Cells()
    for member in members:
        try:
            cells.scan(archive, member)
        except _Refused as refused:
            raise ValueError(f"{source}: {member.filename} {refused}") from None


def _too_large(where: str, rows: int, columns: int | None = None) -> _Refused:
    size = f"{rows:,} rows" if columns is None else f"{rows:,} rows × {columns:,} columns"
    return _Refused(
        f"{where}: got {size}, expected at most {MAX_ROWS:,} rows and {MAX_COLUMNS} columns "
        "(delete the rows and columns beyond the table, then save the workbook again)"
    )


class _Cells:
    """Counts cells across members, and checks where each sheet says and puts them."""

    def __init__(self) -> None:
        self.count = 0

    def scan(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
        """Stream one member through expat; raise _Refused at the first limit passed.

        A member that is not XML (an image) or not well-formed is left to openpyxl, which
        says what is wrong with it if it is a part it needs.
        """
        row, column = 0, 0

        def start(name: str, attributes: dict[str, str]) -> None:
            nonlocal row, column
            if name in _CELL:
                self.count += 1
                if self.count > MAX_CELLS:
                    raise _Refused(
                        f"cells: got more than {MAX_CELLS:,} in the workbook, expected at "
                        f"most {MAX_CELLS:,} (a 自评价表 of 5,000 items has about 60,000)"
                    )
                place = attributes.get("r")
                if place:
                    letters, row = _coordinate(place, row)
                    column = column_number(letters) if letters else column + 1
                else:
                    column += 1
                if row > MAX_ROWS or column > MAX_COLUMNS:
                    raise _too_large(f"cell {place or f'#{column} of row {row}'}", row, column)
            elif name in _ROW:
                number = attributes.get("r", "")
                row, column = (int(number) if number.isdigit() else row + 1), 0
                if row > MAX_ROWS:
                    raise _too_large(f"row {row}", row)
            elif name in _DIMENSION:
                ref = attributes.get("ref", "")
                try:
                    _, _, right, bottom = range_boundaries(ref)
                except (ValueError, TypeError):
                    return  # openpyxl ignores a dimension it cannot read; so does this check
                if (bottom or 0) > MAX_ROWS or (right or 0) > MAX_COLUMNS:
                    raise _too_large(f"dimension {ref}", bottom or 0, right or 0)

        def doctype(*_: object) -> None:
            raise _Refused(
                "document type declaration: got one, expected none (no workbook has one; "
                "it is how entity-expansion attacks begin)"
            )

        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = start
        parser.StartDoctypeDeclHandler = doctype
        with archive.open(member) as stream:
            try:
                while chunk := stream.read(1 << 16):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
            except expat.ExpatError:
                return
            except (zipfile.BadZipFile, EOFError, OSError) as error:
                raise _Refused(f"cannot be read ({error}), expected {EXPECTED}") from None


def _coordinate(place: str, row: int) -> tuple[str, int]:
    """A cell reference's column letters and row (``E12`` → ``("E", 12)``); the current row
    when the reference is not one (openpyxl then places the cell itself)."""
    try:
        letters, number = coordinate_from_string(place)
        column_number(letters)
    except ValueError:
        return "", row
    return letters, number
