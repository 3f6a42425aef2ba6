"""Keep the dashboard's default views fresh through quiet periods: a minute-by-minute warm-up in django_celery_beat
(editable in the admin). The task is debounced and skips views whose figures are current."""

import json

from django.db import migrations

TASK_NAME = "联盟看板数据预热"
TASK_PATH = "alliance.tasks.refresh_dashboard_figures_task"


def register(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": TASK_PATH, "interval": every_minute, "kwargs": json.dumps({}), "enabled": True,
                  "description": "每分钟预先计算看板默认视图（本年、全部；全联盟及各产业链），打开看板时无需等待。"},
    )


def unregister(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME, task=TASK_PATH).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("alliance", "0002_chain_webhook_kind"),
        ("django_celery_beat", "0018_improve_crontab_helptext"),
    ]

    operations = [migrations.RunPython(register, unregister)]
