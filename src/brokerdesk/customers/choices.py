from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Individual")
    INSTITUTION = "institution", _("Financial institution")
    CORPORATE = "corporate", _("Corporate")
    PRODUCT = "product", _("Product (fund, trust, asset plan)")


class ClientClass(models.TextChoices):
    INSTITUTIONAL = "institutional", _("Institutional")
    CORPORATE = "corporate", _("Corporate")
    HIGH_NET_WORTH = "hnw", _("High net worth")
    MASS = "mass", _("Mass")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card")
    USCC = "uscc", _("Unified social credit code")
    PASSPORT = "passport", _("Passport")
    HK_MACAU_PERMIT = "hk_macau_permit", _("Mainland travel permit for HK/Macau residents")
    OTHER = "other", _("Other")


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class CustomerStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")
    DORMANT = "dormant", _("Dormant")
    FROZEN = "frozen", _("Frozen")
    CLOSED = "closed", _("Closed")


class InvestorCategory(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary investor")
    PROFESSIONAL = "professional", _("Professional investor")


class RiskLevel(models.TextChoices):
    C1 = "C1", _("C1 conservative")
    C2 = "C2", _("C2 cautious")
    C3 = "C3", _("C3 balanced")
    C4 = "C4", _("C4 aggressive")
    C5 = "C5", _("C5 most aggressive")


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    HOME = "home", pgettext_lazy("phone kind", "Home")
    WORK = "work", _("Work")


class Market(models.TextChoices):
    SH = "SH", _("Shanghai")
    SZ = "SZ", _("Shenzhen")
    BJ = "BJ", _("Beijing")


class Currency(models.TextChoices):
    CNY = "CNY", "CNY"
    USD = "USD", "USD"
    HKD = "HKD", "HKD"


class AccountStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")
    FROZEN = "frozen", _("Frozen")
    CLOSED = "closed", _("Closed")


class PermissionKind(models.TextChoices):
    CHINEXT = "chinext", _("ChiNext (创业板)")
    STAR = "star", _("STAR Market (科创板)")
    BSE = "bse", _("Beijing Stock Exchange")
    MARGIN = "margin", _("Margin trading (融资融券)")
    OPTIONS = "options", _("Stock options")
    HK_CONNECT = "hk_connect", _("HK Stock Connect (港股通)")
    DELISTING = "delisting", _("Delisting board (退市整理)")
    BOND_QUALIFIED = "bond_qualified", _("Bonds for qualified investors")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat")
    APP_PUSH = "app_push", _("App push")
