"""Register the periodic resend of pending deliveries in django_celery_beat, so staff can change it in the admin."""

import json

from django.db import migrations

TASK_NAME = "重发待发送通知"
TASK_PATH = "notifications.tasks.resend_pending_notifications_task"


def register_resend_task(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_five_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    # get_or_create: an edited schedule (another interval, disabled) survives re-running migrations.
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK_PATH,
            "interval": every_five_minutes,
            "kwargs": json.dumps({}),
            "enabled": True,
            "description": "把超过若干分钟仍未投递的通知重新放入队列（Redis 故障或任务丢失后补发）。",
        },
    )


def unregister_resend_task(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME, task=TASK_PATH).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0002_delivery_last_attempt_at"),
        ("django_celery_beat", "0018_improve_crontab_helptext"),
    ]

    operations = [migrations.RunPython(register_resend_task, unregister_resend_task)]
