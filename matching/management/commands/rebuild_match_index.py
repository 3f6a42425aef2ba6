"""Rebuild the persisted expert index now (normally the journal, patches and the refresh task keep it fresh)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from experts.models import Expert
from matching import index


class Command(BaseCommand):
    help = "Rebuild the matcher's expert index under MATCH_INDEX_DIR, with a progress bar."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="accepted for compatibility: always rebuilds")

    def handle(self, *args: Any, **options: Any) -> None:
        total = Expert.objects.count()

        def progress(rows):
            return tqdm(rows, total=total, desc="experts", unit="expert", disable=options["verbosity"] < 1)

        built = index.rebuild(progress=progress)
        if built is None:
            raise CommandError("another process is rebuilding the match index right now")
        self.stdout.write(self.style.SUCCESS(
            f"match index built: {len(built.base_ids)} experts, {built.vocabulary.size} features, "
            f"{built.inverted.nnz} weights -> {index.database_dir() / built.base_name}"
        ))
