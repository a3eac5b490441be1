"""Reading what a preparer brings in: a report file (YAML, JSON) or a 自评价表 workbook
(.xlsx), into the commands that would enter it; both faces (the CLI's ``report import``,
the server's upload page) check and record it through :mod:`imports.reading`.

It knows files as bytes, never paths or requests: the faces read them. It may import
events and workflow, never projections, worker or the faces (docs/decisions/0604).
"""
