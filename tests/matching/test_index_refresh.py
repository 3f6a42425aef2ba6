"""The persisted index at scale: journalled edits, patches by the worker or in-process, stale serving, rebuilds.

The pool here is tiny, so the size thresholds are lowered to make it behave like a 100,000-expert pool (where a
request must never rebuild the whole index).
"""

import mmap

import numpy as np
import pytest

from experts.services import ProfileInput, update_expert_profile
from matching import index
from matching.models import ProfileChange
from matching.services import match_position
from matching.tasks import rebuild_match_index_task, refresh_match_index_task
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_index_dir(settings, tmp_path):
    settings.MATCH_INDEX_DIR = tmp_path
    index.forget_loaded_index()
    yield tmp_path
    index.forget_loaded_index()


@pytest.fixture
def large_pool(monkeypatch):
    """Behave as a pool too big to build inside a request."""
    monkeypatch.setattr(index, "INLINE_BUILD_LIMIT", 0)


@pytest.fixture
def pharma_expert(chain):
    expert = factories.ExpertFactory(name="王药师", research_areas=["生物医药", "药物制剂"], bio="从事口服制剂研究。")
    factories.AchievementFactory(expert=expert, title="缓释片制备工艺研究")
    return expert


@pytest.fixture
def vision_expert(expert):
    factories.AchievementFactory(expert=expert, kind="case", title="包装线异形件视觉识别与柔性抓取")
    return expert


@pytest.fixture
def pool(pharma_expert):
    """The pharma expert among others who each know one word of the packaging challenge (so the build's vocabulary
    has them, as a big pool's would) and nobody fits it well."""
    for areas in (["锂电池材料"], ["机器视觉算法", "医学影像"], ["柔性制造系统", "数控机床"],
                  ["包装材料", "纸浆模塑", "食品安全"]):
        factories.ExpertFactory(research_areas=areas)
    return pharma_expert


def is_mapped_from_disk(array) -> bool:
    while array is not None:
        if isinstance(array, (np.memmap, mmap.mmap)):
            return True
        array = getattr(array, "base", None)
    return False


def edit_to_packaging(expert, by):
    update_expert_profile(expert=expert, by=by, data=ProfileInput(
        name=expert.name, category=expert.category, research_areas=["自动包装", "机器视觉", "柔性制造"]))


def test_a_large_pool_without_a_build_is_never_built_in_a_request(large_pool, vision_expert, open_challenge,
                                                                   tmp_path):
    # when a page ranks experts before any build exists
    position = match_position(expert=vision_expert, challenge=open_challenge)
    # then nobody is recommended and nothing was built inline
    assert position is None
    assert not list(tmp_path.rglob("base-*"))
    # and once the worker has built it, the same call finds the expert
    assert rebuild_match_index_task() is True
    assert match_position(expert=vision_expert, challenge=open_challenge).rank == 1


def test_rebuild_is_memory_mapped_and_prunes_the_journal(vision_expert, park_staff):
    # given an edit journalled
    edit_to_packaging(vision_expert, park_staff)
    assert ProfileChange.objects.count() == 1
    # when the full rebuild runs and a fresh process loads it
    built = index.rebuild()
    index.forget_loaded_index()
    loaded = index.get_index()
    # then the journal is empty, the arrays are mapped from disk, and the process holds the same build
    assert ProfileChange.objects.count() == 0
    assert is_mapped_from_disk(loaded.inverted.data) and is_mapped_from_disk(loaded.inverted.indices)
    assert loaded.base_name == built.base_name


def test_worker_patch_serves_stale_then_new_text(large_pool, monkeypatch, pool, park_staff,
                                                 open_challenge, django_capture_on_commit_callbacks):
    # given a built index, where the pharma expert is not the best fit for the packaging challenge
    monkeypatch.setattr(index, "INLINE_PATCH_LIMIT", 0)  # too many changes to patch in a request
    index.rebuild()
    before = match_position(expert=pool, challenge=open_challenge)
    assert before is None or before.rank > 1
    base_name = index.current_base_name()
    # when they edit their profile to packaging and vision: the refresh is queued on commit, not run
    with django_capture_on_commit_callbacks() as callbacks:
        edit_to_packaging(pool, park_staff)
    assert len(callbacks) == 1
    # then the stale index (the build, unpatched) is still served meanwhile
    match_position(expert=pool, challenge=open_challenge)
    served = index.get_index()
    assert served.base_name == base_name and served.patch_rows is None
    # and once the worker's refresh ran, they are ranked on the new text, from a patch of the same build
    assert refresh_match_index_task() == "patched"
    after = match_position(expert=pool, challenge=open_challenge)
    assert after is not None and after.rank == 1
    assert index.current_base_name() == base_name
    # and a second task of the same burst finds the work done
    assert refresh_match_index_task() == "fresh"


def test_few_changes_are_patched_in_process_without_a_rebuild(large_pool, pool, park_staff,
                                                              open_challenge):
    # given a built index
    index.rebuild()
    base_name = index.current_base_name()
    # when an expert edits their profile and nobody ran the worker
    edit_to_packaging(pool, park_staff)
    # then the very next ranking re-encodes that expert alone and ranks them on the new text
    after = match_position(expert=pool, challenge=open_challenge)
    assert after is not None and after.rank == 1
    loaded = index.get_index()
    assert loaded.base_name == base_name and list(loaded.patch_ids) == [pool.pk]
    assert loaded.masked.sum() == 1


def test_new_expert_added_without_the_services_is_seen(large_pool, vision_expert, open_challenge):
    # given a built index
    index.rebuild()
    # when an expert is created directly (an import, a fixture) with no journal row
    newcomer = factories.ExpertFactory(research_areas=["自动包装", "机器视觉", "柔性制造", "异形件"])
    factories.AchievementFactory(expert=newcomer, kind="case", title="异形件自动包装线柔性改造")
    # then they are ranked all the same (id beyond the build's latest)
    assert match_position(expert=newcomer, challenge=open_challenge) is not None


def test_refresh_rebuilds_when_patches_would_cover_too_much(large_pool, monkeypatch, pool, park_staff):
    index.rebuild()
    monkeypatch.setattr(index, "INLINE_PATCH_LIMIT", 0)
    monkeypatch.setattr(index, "FULL_REBUILD_SHARE", 0.0)
    monkeypatch.setattr(index, "PATCH_FLOOR", 0)
    edit_to_packaging(pool, park_staff)
    assert refresh_match_index_task() == "rebuilt"
    assert ProfileChange.objects.count() == 0

