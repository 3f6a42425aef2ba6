"""The park office's spreadsheets: column layouts of experts, enterprises and chains, reading an uploaded
Excel/CSV file into numbered rows, the downloadable templates, and exporting in the very same layout.

Exporting and importing share one column list per kind, so an exported file imports back without changes.
The writes themselves (validation per row, upsert by natural key) are in alliance.services.import_records.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from alliance.exports import Table
from alliance.models import IndustryChain, Organisation, TechnicalField
from config.exceptions import ApplicationError
from experts.models import Expert

LIST_SEPARATOR = "；"
MAX_ROWS = 50_000


class Kind:
    EXPERTS = "experts"
    ENTERPRISES = "enterprises"
    CHAINS = "chains"

    CHOICES = [
        (EXPERTS, gettext_lazy("专家")),
        (ENTERPRISES, gettext_lazy("企业")),
        (CHAINS, gettext_lazy("产业链")),
    ]
    LABELS = dict(CHOICES)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    width: int = 16
    hint: str = ""


# The headers are the Chinese column titles people see in Excel; keys are what the import service reads.
COLUMNS: dict[str, list[Column]] = {
    Kind.CHAINS: [
        Column("code", "产业链代码", True, 16, "字母、数字、下划线或连字符，唯一，用于识别产业链"),
        Column("name", "产业链名称", True, 20, "唯一"),
        Column("description", "简介", False, 40),
        Column("sort_order", "排序", False, 8, "整数，越小越靠前"),
    ],
    Kind.ENTERPRISES: [
        Column("credit_code", "统一社会信用代码", True, 24, "18 位，唯一，用于识别企业"),
        Column("name", "企业名称", True, 32),
        Column("kind", "机构类型", False, 12, "企业 / 高校 / 科研院所 / 其他，默认企业"),
        Column("chain", "所属产业链", False, 16, "产业链代码或名称"),
        Column("city", "所在地", False, 12),
        Column("description", "简介", False, 40),
    ],
    Kind.EXPERTS: [
        Column("name", "姓名", True, 12),
        Column("email", "邮箱", False, 26, "邮箱与手机至少填一项；先按邮箱、再按手机识别同一位专家"),
        Column("phone", "手机", False, 16),
        Column("category", "专家类别", True, 16, "国家级人才 / 省级人才 / 高校教授/研究员 / 工匠大师 / 企业技术专家"),
        Column("title", "职称/头衔", False, 14),
        Column("organisation", "所在单位", False, 28, "按名称查找，不存在时新建"),
        Column("research_areas", "研究方向", True, 36, "多个用“；”分隔"),
        Column("fields", "技术领域", False, 28, "已有技术领域名称，多个用“；”分隔"),
        Column("chains", "服务产业链", False, 24, "产业链代码或名称，多个用“；”分隔"),
        Column("max_active_claims", "同时承接上限", False, 10, "1–20 的整数，默认 3"),
        Column("is_available", "接受揭榜", False, 10, "是 / 否，默认是"),
        Column("is_active", "在库", False, 8, "是 / 否，默认是"),
        Column("bio", "个人简介", False, 40),
    ],
}

TITLES = {Kind.EXPERTS: "专家", Kind.ENTERPRISES: "企业", Kind.CHAINS: "产业链"}


def columns_of(kind: str) -> list[Column]:
    if kind not in COLUMNS:
        raise ApplicationError(_("请选择要导入的数据类型。"), field="kind")
    return COLUMNS[kind]


# Reading -----------------------------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    """A cell as text: Excel turns phone numbers and codes into numbers, which must not gain a '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value).strip()


def _xlsx_rows(stream: IO[bytes]) -> Iterator[list[Any]]:
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a file that is not a workbook
        raise ApplicationError(_("无法读取该 Excel 文件，请使用下载的模板（.xlsx）。"), field="file") from error
    sheet = workbook.worksheets[0]
    try:
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _csv_rows(stream: IO[bytes]) -> Iterator[list[Any]]:
    raw = stream.read()
    # Excel on a Chinese Windows saves CSV in GB18030 (GBK); ours and most tools write UTF-8 (maybe with a BOM).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ApplicationError(_("无法识别 CSV 文件的编码，请另存为 UTF-8。"), field="file")
    yield from csv.reader(io.StringIO(text))


def read_rows(*, kind: str, stream: IO[bytes], filename: str) -> list[tuple[int, dict[str, str]]]:
    """Numbered rows (as Excel numbers them: the header is row 1) keyed by column, blank rows skipped.

    A file without the required columns is refused as a whole, with the missing headers named.
    """
    columns = columns_of(kind)
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(stream)
    elif name.endswith(".csv"):
        rows = _csv_rows(stream)
    else:
        raise ApplicationError(_("只支持 .xlsx 或 .csv 文件。"), field="file")
    header = next(rows, None)
    if header is None:
        raise ApplicationError(_("文件是空的。"), field="file")
    by_header = {column.header: column for column in columns}
    positions: dict[int, Column] = {}
    for index, title in enumerate(header):
        column = by_header.get(_text(title).lstrip("*").strip())
        if column is not None:
            positions[index] = column
    missing = [column.header for column in columns if column.required and column not in positions.values()]
    if missing:
        raise ApplicationError(
            _("缺少必填列：%(columns)s。请使用下载的模板。") % {"columns": "、".join(missing)}, field="file"
        )
    result: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(rows, start=2):
        row = {column.key: "" for column in columns}
        for index, column in positions.items():
            if index < len(values):
                row[column.key] = _text(values[index])
        if any(row.values()):
            result.append((number, row))
        if len(result) > MAX_ROWS:
            raise ApplicationError(_("一次最多导入 %(count)s 行，请拆分文件。") % {"count": MAX_ROWS}, field="file")
    return result


# Templates and exports in the import layout -------------------------------------------------------------------------

def template_tables(kind: str) -> list[Table]:
    columns = columns_of(kind)
    headers = [column.header for column in columns]
    widths = [column.width for column in columns]
    notes = Table(
        title=_("填写说明"),
        headers=[_("列名"), _("是否必填"), _("说明")],
        rows=[[column.header, _("必填") if column.required else _("选填"), column.hint] for column in columns],
        widths=[18, 10, 70],
    )
    return [Table(title=TITLES[kind], headers=headers, rows=[], widths=widths), notes]


def _join(values: list[str]) -> str:
    return LIST_SEPARATOR.join(values)


def chain_rows(chains: QuerySet[IndustryChain]) -> Iterator[list[Any]]:
    for chain in chains.order_by("sort_order", "id"):
        yield [chain.code, chain.name, chain.description, chain.sort_order]


def enterprise_rows(organisations: QuerySet[Organisation]) -> Iterator[list[Any]]:
    labels = dict(Organisation.Kind.choices)
    for organisation in organisations.select_related("chain").order_by("id").iterator(chunk_size=2000):
        yield [
            organisation.credit_code or "", organisation.name, str(labels[organisation.kind]),
            organisation.chain.code if organisation.chain else "", organisation.city, organisation.description,
        ]


def expert_rows(experts: QuerySet[Expert], *, with_contact: bool = True) -> Iterator[list[Any]]:
    labels = dict(Expert.Category.choices)
    experts = experts.select_related("organisation").prefetch_related(
        Prefetch("fields", queryset=TechnicalField.objects.order_by("id")),
        Prefetch("chains", queryset=IndustryChain.objects.order_by("sort_order", "id")),
    )
    for expert in experts.order_by("id").iterator(chunk_size=2000):
        yield [
            expert.name, expert.email if with_contact else "", expert.phone if with_contact else "",
            str(labels.get(expert.category, expert.category)), expert.title,
            expert.organisation.name if expert.organisation else "", _join(list(expert.research_areas or [])),
            _join([field.name for field in expert.fields.all()]), _join([chain.code for chain in expert.chains.all()]),
            expert.max_active_claims, "是" if expert.is_available else "否", "是" if expert.is_active else "否",
            expert.bio,
        ]


def export_table(kind: str, queryset: QuerySet, *, with_contact: bool = True) -> Table:
    columns = columns_of(kind)
    if kind == Kind.CHAINS:
        rows: Iterator[list[Any]] = chain_rows(queryset)
    elif kind == Kind.ENTERPRISES:
        rows = enterprise_rows(queryset)
    else:
        rows = expert_rows(queryset, with_contact=with_contact)
    return Table(
        title=TITLES[kind], headers=[column.header for column in columns], rows=rows,
        widths=[column.width for column in columns],
    )
