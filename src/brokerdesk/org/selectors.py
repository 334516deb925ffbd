from brokerdesk.org.models import Branch


def branch_choices():
    return Branch.objects.filter(is_active=True).order_by("code")
