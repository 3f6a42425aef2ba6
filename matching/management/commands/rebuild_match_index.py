"""Rebuild the persisted expert index now (normally the on-commit task and lazy loading keep it fresh)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from experts.models import Expert
from matching import index


class Command(BaseCommand):
    help = "Rebuild the matcher's expert index under MATCH_INDEX_DIR, with a progress bar."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="rebuild even if the current index is up to date")

    def handle(self, *args: Any, **options: Any) -> None:
        total = Expert.objects.count()

        def progress(rows):
            return tqdm(rows, total=total, desc="experts", unit="expert", disable=options["verbosity"] < 1)

        built, is_new = index.rebuild(progress=progress, force=options["force"])
        state = "built" if is_new else "already up to date"
        self.stdout.write(self.style.SUCCESS(
            f"match index {state}: {built.matrix.size} experts, {built.matrix.achievements.shape[0]} achievements, "
            f"{len(built.matrix.vectorizer.vocabulary_)} features -> {index.index_path(built.fingerprint)}"
        ))
