"""Excel workbooks of the assessment pages (the quarterly ranking), and the one cell writer they and the
accountability exports use: every text goes through core.downloads.escape_cell, so a unit name or a comment
typed by a user never runs as a formula in Excel (CSV/formula injection).
"""

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from core.downloads import escape_cell



def safe_cell(value):
    """The value as written to a cell: numbers as numbers, text neutralised when it looks like a formula."""
    if value is None or isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    return escape_cell(str(value))


def workbook_bytes(sheets):
    """`sheets`: [(title, header, rows)] → xlsx bytes; every cell through safe_cell, headers in bold."""
    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=str(title)[:31])
        sheet.append([safe_cell(str(h)) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        for column in sheet.columns:
            width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
            sheet.column_dimensions[column[0].column_letter].width = min(40, max(8, width * 1.6))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
