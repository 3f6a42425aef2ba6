"""Register the nightly full rebuild of the match index and the sentence-vector refresh in django_celery_beat, so
park staff can change or pause them in the admin."""

import json

from django.db import migrations

JOBS = [
    ("匹配索引夜间重建", "matching.tasks.rebuild_match_index_task", "0", "2",
     "每晚全量重建专家匹配索引（新词表，清理增量补丁）。白天的档案修改由增量补丁即时生效。"),
    ("语义向量夜间补算", "matching.tasks.embed_vectors_task", "30", "2",
     "为档案有变化的专家补算语义向量；仅在 MATCHING_SEMANTIC 开启时工作。"),
]


def register_jobs(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, description in JOBS:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
            timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={"task": task, "crontab": schedule, "kwargs": json.dumps({}), "enabled": True,
                      "description": description},
        )


def unregister_jobs(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task__in=[task for _, task, *_rest in JOBS]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("matching", "0002_text_vectors"),
        ("django_celery_beat", "0018_improve_crontab_helptext"),
    ]

    operations = [migrations.RunPython(register_jobs, unregister_jobs)]
