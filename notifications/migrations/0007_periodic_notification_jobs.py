"""Register the periodic notification jobs in django_celery_beat, so park staff can change or pause them in the admin.

Times are Beijing time. get_or_create: a schedule edited in the admin survives re-running migrations.
"""

import json

from django.db import migrations

JOBS = [
    # (name, task, crontab minute, hour, day_of_week, description)
    (
        "每日通知摘要", "notifications.tasks.send_daily_digests_task", "0", "8", "*",
        "把选择“每日摘要”的通知合并成每人每天一封邮件。",
    ),
    (
        "揭榜截止提醒", "notifications.tasks.send_deadline_reminders_task", "0", "9", "*",
        "需求截止前 3 天提醒企业和已揭榜的专家（每个截止日期只提醒一次）。",
    ),
    (
        "无人揭榜预警", "notifications.tasks.escalate_unclaimed_challenges_task", "30", "9", "*",
        "发布若干天仍无人揭榜的需求，通知链长和管委会（每项需求只预警一次）。",
    ),
    (
        "每周需求推荐", "notifications.tasks.send_weekly_expert_digests_task", "30", "8", "1",
        "每周一向每位专家推荐本周新发布、与其研究方向匹配的需求。",
    ),
]


def register_jobs(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, day_of_week, description in JOBS:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week=day_of_week, day_of_month="*", month_of_year="*",
            timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={
                "task": task, "crontab": schedule, "kwargs": json.dumps({}), "enabled": True,
                "description": description,
            },
        )


def unregister_jobs(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, *_rest in JOBS:
        PeriodicTask.objects.filter(name=name, task=task).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0006_preferences_and_digests"),
        ("django_celery_beat", "0018_improve_crontab_helptext"),
    ]

    operations = [migrations.RunPython(register_jobs, unregister_jobs)]
