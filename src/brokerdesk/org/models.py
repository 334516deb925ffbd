from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from brokerdesk.org.choices import BranchKind, CenterKind, DepartmentKind, Role, Scope


class Company(models.Model):
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    service_number = models.CharField(_("national service number"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.short_name or self.name


class ContactCenter(models.Model):
    """客服中心: the HQ center or a provincial sub-center behind the one national number."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="centers")
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=CenterKind.choices)
    province = models.CharField(_("province"), max_length=40)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("contact center")
        verbose_name_plural = _("contact centers")

    def __str__(self) -> str:
        return self.name


class Branch(models.Model):
    """营业部 / 分公司, with the sub-center that serves its clients' calls."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="branches")
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=BranchKind.choices, default=BranchKind.SALES_OFFICE)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent branch company"),
    )
    province = models.CharField(_("province"), max_length=40)
    city = models.CharField(_("city"), max_length=40)
    serving_center = models.ForeignKey(
        ContactCenter, on_delete=models.PROTECT, related_name="served_branches", verbose_name=_("serving center")
    )
    # The branch's service desk line: where the contact center transfers a caller who must be served in person.
    # db_default: the intake inserts branches with bulk SQL that does not name this column.
    service_phone = models.CharField(_("service desk phone"), max_length=20, blank=True, db_default="")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="departments")
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=30, choices=DepartmentKind.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Staff(AbstractUser):
    """A staff member. Roles are Django groups named after Role values; scope limits which rows they see."""

    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    employee_no = models.CharField(_("employee number"), max_length=20, blank=True)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.BRANCH)
    center = models.ForeignKey(
        ContactCenter, on_delete=models.PROTECT, null=True, blank=True, related_name="staff",
        verbose_name=_("contact center"),
    )
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("branch")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="staff",
        verbose_name=_("department"),
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return self.display_name or self.username

    def clean(self) -> None:
        super().clean()
        if self.scope == Scope.BRANCH and not self.branch_id:
            raise ValidationError({"branch": _("Branch-scoped staff need a branch.")})
        if self.scope == Scope.CENTER and not self.center_id:
            raise ValidationError({"center": _("Center-scoped staff need a contact center.")})

    @cached_property
    def role_names(self) -> frozenset[str]:
        valid = set(Role.values)
        return frozenset(n for n in self.groups.values_list("name", flat=True) if n in valid)

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names & set(roles))

    @property
    def sees_all_branches(self) -> bool:
        """Company scope sees everything; center agents may look up any caller (masked)."""
        return self.scope in (Scope.COMPANY, Scope.CENTER)

    @property
    def primary_role(self) -> str | None:
        for role in Role.values:
            if role in self.role_names:
                return role
        return None

    @property
    def primary_role_label(self) -> str:
        role = self.primary_role
        return str(Role(role).label) if role else ""


class ApiToken(models.Model):
    """A bearer token for integrations. Only a SHA-256 of the secret is stored; the token acts as its user."""

    user = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Notification(models.Model):
    """A message in a staff member's inbox (an SLA warning, a major-complaint escalation, a dispatched ticket).
    Also sent by email when the staff member has an address."""

    recipient = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.title
