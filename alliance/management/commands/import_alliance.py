"""python manage.py import_alliance --kind experts 专家.xlsx — import experts, enterprises or chains with a report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from alliance.imports import Kind, read_rows
from alliance.services import import_records
from config.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Import experts, enterprises or industry chains from an Excel (.xlsx) or CSV file laid out as the template "
        "(download it from /alliance/import/). Rows are matched by natural key (chain code; enterprise credit "
        "code; expert e-mail, else mobile), so running the same file twice changes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--kind", required=True, choices=[value for value, _label in Kind.CHOICES])
        parser.add_argument("file", type=Path)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")

    def handle(self, *args: Any, kind: str, file: Path, no_progress: bool, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            with file.open("rb") as stream:
                rows = read_rows(kind=kind, stream=stream, filename=file.name)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        with tqdm(total=len(rows), unit="行", desc=f"导入{Kind.LABELS[kind]}", disable=no_progress,
                  file=self.stderr._out) as bar:
            report = import_records(kind=kind, rows=rows, by=None, progress=lambda: bar.update(1))
        self.stdout.write(report.summary())
        for refused in report.refused:
            self.stdout.write(refused.message)
        if report.refused:
            self.stdout.write(self.style.WARNING(f"{len(report.refused)} 行被拒绝，其余已导入。"))
        else:
            self.stdout.write(self.style.SUCCESS("全部导入成功。"))
