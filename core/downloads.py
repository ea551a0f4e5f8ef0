"""File downloads the portal hands out (exports and empty import sheets): one place for content types, the BOM
that lets Excel open a UTF-8 CSV in Chinese, and the attachment header."""

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_download(content, file_name):
    """A CSV text as an attachment, with a byte-order mark (Excel reads UTF-8 Chinese only with it)."""
    response = HttpResponse("\ufeff" + content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def xlsx_download(content, file_name):
    """Excel workbook bytes as an attachment."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
