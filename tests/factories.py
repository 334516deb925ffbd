"""Test data builders. Every identity is valid (real check digits), so tests exercise real validation."""

import itertools
import random
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from brokerdesk.customers.models import (
    CapitalAccount,
    Customer,
    CustomerAssets,
    CustomerPhone,
    ShareholderAccount,
)
from brokerdesk.org.choices import Role, Scope
from brokerdesk.org.models import Branch, Company, ContactCenter, Staff
from brokerdesk.synth.people import chinese_name, mobile, resident_id

PASSWORD = "Test#password-2026"
_serial = itertools.count(1)
_rng = random.Random(7)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = "测试证券股份有限公司"
    short_name = "测试证券"
    service_number = "95000"


class CenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactCenter

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"C{n:03d}")
    name = factory.Sequence(lambda n: f"客服分中心{n}")
    kind = "sub"
    province = "广东"


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"测试营业部{n}")
    province = "广东"
    city = "深圳"
    serving_center = factory.SubFactory(CenterFactory)


_password_hash: str | None = None


def _hashed_password() -> str:
    # Argon2 is slow on purpose; hash the shared test password once and reuse the (real) hash.
    global _password_hash
    if _password_hash is None:
        from django.contrib.auth.hashers import make_password

        _password_hash = make_password(PASSWORD)
    return _password_hash


def make_staff(username: str, role: str, *, scope: str, branch=None, center=None) -> Staff:
    user = Staff(username=username, display_name=username, scope=scope, branch=branch, center=center,
                 is_staff=(role == Role.ADMIN))
    user.password = _hashed_password()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return Staff.objects.get(pk=user.pk)  # fresh instance: no cached permissions


ASSET_FIELDS = ("total_assets", "cash_balance", "market_value", "assets_as_of")


def make_customer(branch: Branch, **overrides) -> Customer:
    """A client with a phone, a capital and a shareholder account, and latest assets (CustomerAssets) as of
    yesterday unless overridden: total_assets, cash_balance, market_value, assets_as_of (None: no assets row)."""
    n = next(_serial)
    born = date(1960, 1, 1) + timedelta(days=_rng.randrange(0, 15000))
    fields = {
        "customer_no": f"9{n:08d}",
        "name": chinese_name(_rng),
        "id_type": "resident_id",
        "id_number": resident_id(_rng, born, male=n % 2 == 1),
        "birth_date": born,
        "gender": "M" if n % 2 else "F",
        "home_branch": branch,
        "opened_on": date(2020, 1, 2),
        "risk_level": "C3",
        "risk_score": 45,
        "risk_assessed_on": date.today() - timedelta(days=100),
        "risk_expires_on": date.today() + timedelta(days=630),
        "total_assets": Decimal("123456.78"),
        "assets_as_of": date.today() - timedelta(days=1),
    }
    fields.update(overrides)
    phone = fields.pop("phone", mobile(_rng, 50_000_000 + n))
    assets = {name: fields.pop(name) for name in ASSET_FIELDS if name in fields}
    customer = Customer.objects.create(**fields)
    if assets["assets_as_of"] is not None:
        CustomerAssets.objects.create(customer=customer, changed_on=assets.pop("assets_as_of"), **assets)
    CustomerPhone.objects.create(customer=customer, number=phone, is_primary=True)
    CapitalAccount.objects.create(customer=customer, account_no=f"66{n:010d}", opened_on=customer.opened_on)
    ShareholderAccount.objects.create(customer=customer, market="SH", account_no=f"A{n:09d}")
    return customer


__all__ = ["PASSWORD", "BranchFactory", "CenterFactory", "CompanyFactory", "Scope", "make_customer", "make_staff"]
