"""Tables out to Excel (openpyxl) and CSV, for the dashboard and every list the park office works from.

A table is a Chinese sheet name, headers, widths and rows (any iterable, read once): the same description gives
an .xlsx with a bold filled header row frozen at the top, or a UTF-8 CSV with a BOM so that Excel opens Chinese
text correctly. Both are streamed row by row (openpyxl's write-only mode), so 100,000 rows need little memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
FORMATS = ("xlsx", "csv")

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill(fill_type="solid", start_color="0D6EFD", end_color="0D6EFD")
HEADER_BORDER = Border(bottom=Side(style="thin", color="084298"))
# Excel refuses these in sheet names and allows 31 characters at most.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Table:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] = field(default_factory=list)


def sheet_name(title: str, taken: set[str]) -> str:
    name = SHEET_NAME_FORBIDDEN.sub("_", str(title)).strip() or "Sheet"
    name = name[:31]
    candidate, number = name, 2
    while candidate in taken:
        suffix = f"({number})"
        candidate, number = name[: 31 - len(suffix)] + suffix, number + 1
    taken.add(candidate)
    return candidate


def cell_value(value: Any) -> Any:
    """What a spreadsheet cell holds: local naive times (Excel has no time zones), numbers as numbers."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "；".join(str(item) for item in value)
    return value


def csv_text(value: Any) -> str:
    value = cell_value(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def workbook_bytes(tables: Sequence[Table]) -> bytes:
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(sheet_name(table.title, taken))
        sheet.freeze_panes = "A2"
        for index, header in enumerate(table.headers):
            width = table.widths[index] if index < len(table.widths) else max(10, len(str(header)) * 2 + 4)
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        header_cells = []
        for header in table.headers:
            cell = WriteOnlyCell(sheet, value=str(header))
            cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, HEADER_BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center")
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in table.rows:
            values = []
            for value in row:
                value = cell_value(value)
                if isinstance(value, dt.datetime):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = "yyyy-mm-dd hh:mm"
                    value = cell
                values.append(value)
            sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _attachment(filename: str) -> str:
    # RFC 6266: an ASCII fallback plus the UTF-8 (Chinese) name that browsers use.
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", filename).strip("_") or "export"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def xlsx_response(*, tables: Sequence[Table], filename: str) -> HttpResponse:
    response = HttpResponse(workbook_bytes(tables), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _attachment(f"{filename}.xlsx")
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(tables: Sequence[Table]) -> Iterator[str]:
    """One CSV: a single table as is; several tables one after the other, each under its title line."""
    writer = csv.writer(_Echo())
    yield BOM
    for index, table in enumerate(tables):
        if len(tables) > 1:
            if index:
                yield writer.writerow([])
            yield writer.writerow([f"【{table.title}】"])
        yield writer.writerow([str(header) for header in table.headers])
        for row in table.rows:
            yield writer.writerow([csv_text(value) for value in row])


def csv_response(*, tables: Sequence[Table], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(tables)), content_type=CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = _attachment(f"{filename}.csv")
    return response


def export_response(*, tables: Sequence[Table], filename: str, file_format: str) -> HttpResponse:
    if file_format == "csv":
        return csv_response(tables=tables, filename=filename)
    return xlsx_response(tables=tables, filename=filename)


def dated_filename(title: str) -> str:
    return f"{title}_{timezone.localdate():%Y%m%d}"
