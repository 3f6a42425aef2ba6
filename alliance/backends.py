"""Park staff run the periodic jobs (reminders, escalation, digests) from the admin without permission rows."""

from typing import Any

from alliance import roles

# Apps whose admin park staff may use in full through this backend. Our own apps decide per ModelAdmin instead
# (see alliance/admin.py), because some of their models are read-only even to staff.
PARK_STAFF_APPS = frozenset({"django_celery_beat"})


class ParkStaffPermissionBackend:
    """Grants park staff every permission of PARK_STAFF_APPS; authenticates nobody (ModelBackend does that)."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active or not roles.is_park_staff(user_obj):
            return False
        return perm.split(".", 1)[0] in PARK_STAFF_APPS

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return user_obj.is_active and roles.is_park_staff(user_obj) and app_label in PARK_STAFF_APPS
