"""Office files (XLSX, DOCX) zipped reproducibly: every entry stamped with one time.

openpyxl and python-docx stamp the save time into each zip entry; both are written through
(or repacked into) a zip whose entries carry the sign-off time and fixed attributes
instead, so the same events give byte-identical files (docs/decisions/0303).
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path


class FixedTimeZip(zipfile.ZipFile):
    """A zip writer that stamps every entry with one time and fixed attributes."""

    def __init__(self, file: io.BytesIO, moment: datetime) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED)
        self._date_time = moment.timetuple()[:6]

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        info.external_attr = 0o644 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, *args, **kwargs) -> None:
        """Write ``data`` under a name, with the fixed time."""
        name = (
            zinfo_or_arcname.filename
            if isinstance(zinfo_or_arcname, zipfile.ZipInfo)
            else zinfo_or_arcname
        )
        super().writestr(self._info(name), data, *args, **kwargs)

    def write(self, filename, arcname=None, *args, **kwargs) -> None:
        """Add a file written to disk (openpyxl's worksheets), with the fixed time, not its
        mtime."""
        self.writestr(arcname or Path(filename).name, Path(filename).read_bytes())


def repacked(data: bytes, moment: datetime) -> bytes:
    """The zip ``data`` with every entry, in the same order, stamped with ``moment``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, FixedTimeZip(buffer, moment) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
    return buffer.getvalue()
