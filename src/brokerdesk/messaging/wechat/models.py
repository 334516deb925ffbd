"""WeChat followers, their binding to clients, and what makes a WeChat callback "the same message".

The raw callback body is stored as a messaging.InboundMessage (channel "wechat"), like an email. WeChatInbound
sits beside it with the platform's de-duplication key (unique: a retry of the same MsgId finds it and creates
nothing) and the passive reply exactly as it was sent, so a retry gets the same answer.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brokerdesk.customers.models import Customer
from brokerdesk.messaging.models import InboundMessage


class WeChatFollower(models.Model):
    """A WeChat user of the official account, known by the openid the platform gives for this account."""

    openid = models.CharField(_("openid"), max_length=64, unique=True)
    subscribed = models.BooleanField(_("subscribed"), default=True)
    subscribed_at = models.DateTimeField(_("subscribed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="wechat_followers", verbose_name=_("client"))
    bound_at = models.DateTimeField(_("bound at"), null=True, blank=True)
    first_seen_at = models.DateTimeField(_("first seen at"), default=timezone.now)

    class Meta:
        verbose_name = _("WeChat follower")
        verbose_name_plural = _("WeChat followers")
        ordering = ["-first_seen_at", "-pk"]
        permissions = [("bind_wechatfollower", "Can give a client a WeChat binding code")]

    def __str__(self) -> str:
        return f"{self.openid[:6]}…{self.openid[-4:]}"


class WeChatBindingCode(models.Model):
    """A one-time 6-digit code a staff member gives a client to send in WeChat ("绑定 123456").

    Only a keyed hash of the code is stored (HMAC with the secret key: six digits alone are a million guesses).
    A client has at most one usable code: issuing a new one revokes the earlier ones.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="wechat_binding_codes",
                                 verbose_name=_("client"))
    code_hash = models.CharField(_("code (keyed hash)"), max_length=64, db_index=True, editable=False)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("issued by"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_by = models.ForeignKey(WeChatFollower, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("used by"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("WeChat binding code")
        verbose_name_plural = _("WeChat binding codes")
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer_id} {self.issued_at:%Y-%m-%d %H:%M}"


class WeChatBindAttempt(models.Model):
    """One binding command received from an openid: wrong ones are counted to limit guessing."""

    openid = models.CharField(_("openid"), max_length=64)
    at = models.DateTimeField(_("at"), default=timezone.now)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    class Meta:
        verbose_name = _("WeChat binding attempt")
        verbose_name_plural = _("WeChat binding attempts")
        indexes = [models.Index(fields=["openid", "at"], name="wechat_bind_attempt_idx")]

    def __str__(self) -> str:
        return f"{self.openid[:6]}… {self.at:%Y-%m-%d %H:%M} {'ok' if self.succeeded else 'wrong'}"


class WeChatInbound(models.Model):
    """The WeChat side of one stored callback: its de-duplication key and the reply it got."""

    inbound = models.OneToOneField(InboundMessage, on_delete=models.PROTECT, related_name="wechat",
                                   verbose_name=_("inbound message"))
    dedup_key = models.CharField(_("de-duplication key"), max_length=200, unique=True)
    openid = models.CharField(_("openid"), max_length=64)
    to_account = models.CharField(_("official account"), max_length=64)
    msg_type = models.CharField(_("message type"), max_length=20)
    event = models.CharField(_("event"), max_length=40, blank=True)
    reply = models.TextField(_("reply sent"), blank=True)  # the exact body answered; a retry gets it again
    retries = models.PositiveIntegerField(_("retries received"), default=0)

    class Meta:
        verbose_name = _("WeChat message")
        verbose_name_plural = _("WeChat messages")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.dedup_key
