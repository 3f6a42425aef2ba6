"""Register the hourly deadline check in django_celery_beat, so park staff can change it in the admin."""

import json

from django.db import migrations

TASK_NAME = "揭榜截止：过期需求"
TASK_PATH = "challenges.tasks.expire_overdue_challenges_task"


def register_expire_task(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    # get_or_create: a schedule staff edited (another interval, disabled) survives re-running migrations.
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK_PATH,
            "interval": hourly,
            "kwargs": json.dumps({}),
            "enabled": True,
            "description": "把已过揭榜截止日期且未选定揭榜方的需求转为「已过期」，并通知企业与揭榜专家。",
        },
    )


def unregister_expire_task(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME, task=TASK_PATH).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("challenges", "0002_lifecycle_teams_qa_agreements"),
        ("django_celery_beat", "0018_improve_crontab_helptext"),
    ]

    operations = [migrations.RunPython(register_expire_task, unregister_expire_task)]
