"""Client master data (客户主数据). Facts over time (daily assets, trades, fund flows) live in the Parquet
lake; intake copies the latest asset snapshot into CustomerAssets (one narrow row per client, beside the wide
Customer row) so lists and the screen-pop need no lake read."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from brokerdesk.customers.choices import (
    AccountStatus,
    Channel,
    ClientClass,
    Currency,
    CustomerKind,
    CustomerStatus,
    Gender,
    IdType,
    InvestorCategory,
    Market,
    PermissionKind,
    PhoneKind,
    RiskLevel,
)
from brokerdesk.org.models import Branch

ZERO = Decimal("0")


class Customer(models.Model):
    # Uniqueness and lookups by the constraints and indexes in Meta: a field-level unique=True or db_index=True
    # also gets a varchar_pattern_ops copy on PostgreSQL for LIKE, which search never runs (it uses ranges),
    # and every extra index is paid for on each nightly load.
    customer_no = models.CharField(_("client number"), max_length=20)
    kind = models.CharField(_("kind"), max_length=20, choices=CustomerKind.choices, default=CustomerKind.PERSON)
    client_class = models.CharField(_("client class"), max_length=20, choices=ClientClass.choices,
                                    default=ClientClass.MASS)
    name = models.CharField(_("name"), max_length=120)
    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices)
    id_number = models.CharField(_("ID number"), max_length=40)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    home_branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="customers",
                                    verbose_name=_("home branch"), db_index=False)  # customer_branch_name_idx
    client_manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="managed_customers", verbose_name=_("client manager"))
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=CustomerStatus.choices,
                              default=CustomerStatus.NORMAL)
    investor_category = models.CharField(_("investor category"), max_length=20, choices=InvestorCategory.choices,
                                         default=InvestorCategory.ORDINARY)
    risk_level = models.CharField(_("risk level"), max_length=2, choices=RiskLevel.choices, blank=True)
    risk_score = models.PositiveSmallIntegerField(_("risk score"), null=True, blank=True)
    risk_assessed_on = models.DateField(_("risk assessed on"), null=True, blank=True)
    risk_expires_on = models.DateField(_("risk assessment expires on"), null=True, blank=True)
    is_lowest_category = models.BooleanField(_("lowest risk category"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [("unmask_customer", "Can read unmasked personal data (audited)")]
        constraints = [
            models.UniqueConstraint(fields=["customer_no"], name="customer_unique_no"),
            models.UniqueConstraint(fields=["id_type", "id_number"], name="customer_unique_identity"),
        ]
        indexes = [
            models.Index(fields=["name"], name="customer_name_idx"),
            models.Index(fields=["id_number"], name="customer_id_number_idx"),
            models.Index(fields=["home_branch", "name"], name="customer_branch_name_idx"),
            # Inbound email finds the client by sender address, case-insensitively (email__iexact is UPPER() = UPPER()
            # on PostgreSQL).
            models.Index(Upper("email"), name="customer_email_upper_idx"),
            # Segmentation reads the clients changed since its previous read (segmentation/client_cache.py).
            models.Index(fields=["updated_at"], name="customer_updated_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_no})"


class CustomerAssets(models.Model):
    """A client's latest assets, from the newest asset snapshot intake applied (CustomerAssetsAsOf.as_of).

    Intake rewrites these every night for millions of clients, so they sit in their own narrow table with no
    index but the primary key (PostgreSQL: pages 50% full, migration 0006): the update of a row is HOT and
    touches neither the wide Customer row nor its indexes. Only rows whose values change are written: a row
    holds its client's assets as of CustomerAssetsAsOf.as_of (every applied snapshot covers every client that
    has a row), and changed_on is the snapshot date that last changed them. A client without a row has no
    snapshot applied yet (created after the last batch, or brought by a batch older than the newest applied):
    no assets loaded, no date shown.
    """

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, primary_key=True, related_name="assets")
    total_assets = models.DecimalField(_("total assets"), max_digits=18, decimal_places=2, default=ZERO)
    cash_balance = models.DecimalField(_("cash"), max_digits=18, decimal_places=2, default=ZERO)
    market_value = models.DecimalField(_("market value"), max_digits=18, decimal_places=2, default=ZERO)
    changed_on = models.DateField(_("assets changed on"))

    class Meta:
        verbose_name = _("latest assets")
        verbose_name_plural = _("latest assets")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.total_assets}"


class CustomerAssetsAsOf(models.Model):
    """Single row: the business date of the newest asset snapshot intake applied to CustomerAssets, the date
    every CustomerAssets row holds its client's assets as of. Written in the batch's transaction."""

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    as_of = models.DateField(_("assets as of"))

    class Meta:
        verbose_name = _("latest assets date")

    def __str__(self) -> str:
        return f"assets as of {self.as_of}"


class CustomerPhone(models.Model):
    """number holds the national significant number (13812345678), normalised, for exact and prefix search."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones",
                                 db_index=False)  # phone_unique_per_customer starts with it
    number = models.CharField(_("phone"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=PhoneKind.choices, default=PhoneKind.MOBILE)
    is_primary = models.BooleanField(pgettext_lazy("phone", "primary"), default=False)

    class Meta:
        verbose_name = _("phone")
        constraints = [models.UniqueConstraint(fields=["customer", "number"], name="phone_unique_per_customer")]
        indexes = [models.Index(fields=["number"], name="phone_number_idx")]

    def __str__(self) -> str:
        return f"{self.number}"


class CapitalAccount(models.Model):
    """资金账号."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="capital_accounts")
    account_no = models.CharField(_("capital account"), max_length=20)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    is_primary = models.BooleanField(pgettext_lazy("account", "primary"), default=True)
    opened_on = models.DateField(_("opened on"))
    status = models.CharField(_("status"), max_length=10, choices=AccountStatus.choices, default=AccountStatus.NORMAL)

    class Meta:
        verbose_name = _("capital account")
        constraints = [models.UniqueConstraint(fields=["account_no"], name="capital_account_unique_no")]

    def __str__(self) -> str:
        return self.account_no


class ShareholderAccount(models.Model):
    """股东账户 at SSE (A + 9 digits), SZSE (0 + 9 digits) or BSE."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="shareholder_accounts")
    market = models.CharField(_("market"), max_length=2, choices=Market.choices)
    account_no = models.CharField(_("shareholder account"), max_length=20)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)

    class Meta:
        verbose_name = _("shareholder account")
        constraints = [models.UniqueConstraint(fields=["market", "account_no"], name="shareholder_unique")]
        indexes = [models.Index(fields=["account_no"], name="shareholder_account_no_idx")]

    def __str__(self) -> str:
        return f"{self.market} {self.account_no}"


class TradingPermission(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="permissions",
                                 db_index=False)  # permission_unique starts with it
    kind = models.CharField(_("permission"), max_length=20, choices=PermissionKind.choices)
    granted_on = models.DateField(_("granted on"))
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)

    class Meta:
        verbose_name = _("trading permission")
        constraints = [models.UniqueConstraint(fields=["customer", "kind"], name="permission_unique")]

    def __str__(self) -> str:
        return f"{self.customer_id}:{self.kind}"


class ChannelConsent(models.Model):
    """Separate consent per channel (PIPL): absent row = no consent recorded, which counts as no."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    consented = models.BooleanField(_("consented"))
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("channel consent")
        constraints = [models.UniqueConstraint(fields=["customer", "channel"], name="consent_unique")]

    def __str__(self) -> str:
        return f"{self.customer_id}:{self.channel}={self.consented}"


class CustomerTag(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("tag"), max_length=40)

    class Meta:
        verbose_name = _("tag")
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="tag_unique")]

    def __str__(self) -> str:
        return self.name


class CustomerNote(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("note"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("note")

    def __str__(self) -> str:
        return f"note {self.pk} on {self.customer_id}"


class Security(models.Model):
    """The securities master (reference data from the core system): names and product risk levels."""

    market = models.CharField(_("market"), max_length=2, choices=Market.choices)
    security_code = models.CharField(_("security code"), max_length=12)
    name = models.CharField(_("security name"), max_length=60)
    board = models.CharField(_("board"), max_length=10)
    risk_level = models.CharField(_("product risk level"), max_length=2)

    class Meta:
        verbose_name = _("security")
        verbose_name_plural = _("securities")
        constraints = [models.UniqueConstraint(fields=["market", "security_code"], name="security_unique")]

    def __str__(self) -> str:
        return f"{self.name} {self.security_code}.{self.market}"
