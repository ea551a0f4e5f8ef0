"""Importing the sheets a secretary keeps (Excel .xlsx or CSV): members, points, dues and attendance.

One machinery for every kind of sheet (`sheet_import`): headers in Chinese or English (the verbose names in
every language the portal speaks, the field names, and the headers of the portal's own exports), choices by label
or code, every error named by its row (as Excel numbers it: the header is row 1) and its column (letter and
header), nothing written unless the whole file is valid (or `valid_only=True`: the valid rows are written and the
others reported), a progress callback for the background import, one transaction, and a constant number of
queries whatever the number of rows (lookups for the whole file, bulk writes).

Each kind is a `Sheet` (sheets.py): its columns, how a parsed row becomes a record (through the services' own
rules), and how the records are written. The member sheet's layout is the export's
(members.records.resources.MemberResource); the points, dues and attendance sheets take the columns of the admin's
exports of those records. cells.py reads the file and its cells; engine.py runs an import, at once or in the
background.
"""

# Django imports members.imports.models while it loads the apps' models; the engine reaches the services of every
# topic (and the accounts and grids apps), so it is imported on first use here rather than with the package.
_ENGINE_NAMES = {"import_run", "import_start", "load_dataset", "member_import", "sheet_import", "template_dataset",
                 "template_xlsx"}


def __getattr__(name):
    if name in _ENGINE_NAMES:
        from . import engine  # noqa: PLC0415  (see above: not while the models load)

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
