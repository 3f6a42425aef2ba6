"""Park staff edit the periodic jobs (reminders, escalation, digests) in the admin; other staff cannot."""

import pytest
from django_celery_beat.models import PeriodicTask

from tests import factories

pytestmark = pytest.mark.django_db


def test_park_staff_can_pause_a_periodic_job_in_the_admin(client, park_staff):
    # given a periodic job registered by the migrations
    task = PeriodicTask.objects.filter(enabled=True).order_by("id").first()
    assert task is not None
    client.force_login(park_staff)
    # when park staff open it and switch it off
    page = client.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    assert page.status_code == 200
    response = client.post(
        "/admin/django_celery_beat/periodictask/",
        {"action": "disable_tasks", "_selected_action": [task.pk]},
    )
    # then the job is paused
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.enabled is False


def test_other_staff_cannot_touch_periodic_jobs(client):
    # given a staff account that is not in the park administration
    outsider = factories.UserFactory(username="it_admin", is_staff=True)
    task = PeriodicTask.objects.filter(enabled=True).order_by("id").first()
    client.force_login(outsider)
    # when they try the same
    response = client.post(
        "/admin/django_celery_beat/periodictask/",
        {"action": "disable_tasks", "_selected_action": [task.pk]},
    )
    # then it is refused and nothing changed
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.enabled is True
