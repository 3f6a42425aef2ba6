from django.http import HttpRequest

from alliance import roles


def roles_context(request: HttpRequest) -> dict:
    user = request.user
    return {
        "role": roles.primary_role(user),
        "is_park_staff": roles.is_park_staff(user),
        "is_chain_leader": roles.is_chain_leader(user),
        "is_enterprise_member": roles.is_enterprise_member(user),
        "is_expert": roles.is_expert(user),
    }

