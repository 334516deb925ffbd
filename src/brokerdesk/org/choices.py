from django.db import models
from django.utils.translation import gettext_lazy as _


class CenterKind(models.TextChoices):
    HQ = "hq", _("HQ center")
    SUB = "sub", _("Provincial sub-center")


class BranchKind(models.TextChoices):
    BRANCH_COMPANY = "branch_company", _("Branch company (分公司)")
    SALES_OFFICE = "sales_office", _("Sales office (营业部)")


class DepartmentKind(models.TextChoices):
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    OPERATIONS = "operations", _("Operations")
    RISK_CONTROL = "risk_control", _("Risk control")
    COMPLIANCE = "compliance", _("Compliance")
    WEALTH_MANAGEMENT = "wealth_management", _("Wealth management")
    IT = "it", _("Information technology")
    OTHER = "other", _("Other")


class Scope(models.TextChoices):
    COMPANY = "company", _("Company-wide")
    CENTER = "center", _("Contact center")
    BRANCH = "branch", _("Branch")


class Role(models.TextChoices):
    AGENT = "agent", _("Call-center agent")
    SUPERVISOR = "supervisor", _("Call-center supervisor")
    BRANCH_STAFF = "branch_staff", _("Branch service staff")
    CLIENT_MANAGER = "client_manager", _("Client manager")
    ADVISOR = "advisor", _("Investment advisor")
    REVIEWER = "reviewer", _("Operations reviewer")
    COMPLIANCE = "compliance", _("Compliance officer")
    ADMIN = "admin", _("Administrator")
