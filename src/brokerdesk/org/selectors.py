from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

from brokerdesk.org.models import Branch, Staff


def branch_choices():
    return Branch.objects.filter(is_active=True).order_by("code")


def staff_holding(app_label: str, codename: str) -> QuerySet[Staff]:
    """Active staff who hold a permission, through a role group, directly, or as superusers (may repeat a row
    for a member of two groups holding it: callers that list them add distinct())."""
    holders = Q(is_superuser=True)
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    if permission is not None:
        holders |= Q(groups__permissions=permission) | Q(user_permissions=permission)
    return Staff.objects.filter(holders, is_active=True)
