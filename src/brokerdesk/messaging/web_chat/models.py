"""Web chat: a client's conversation in the portal's widget, answered by the knowledge-base bot and, when it
cannot answer or the client asks for a person, by an agent."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from brokerdesk.customers.models import Customer
from brokerdesk.knowledge.models import Article
from brokerdesk.messaging.web_chat.choices import ClosedBy, SenderKind, SessionStatus
from brokerdesk.org.models import ContactCenter


class ChatSession(models.Model):
    # The visitor's secret: the widget's socket is ws/chat/<token>/. Random, never shown to staff.
    token = models.CharField(max_length=64, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="chat_sessions", verbose_name=_("client"))
    status = models.CharField(_("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.BOT)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="chat_sessions", verbose_name=_("agent"))
    center = models.ForeignKey(ContactCenter, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="chat_sessions", verbose_name=_("contact center"))
    started_at = models.DateTimeField(_("started"))
    handed_off_at = models.DateTimeField(_("handed off"), null=True, blank=True)
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    closed_by = models.CharField(_("closed by"), max_length=8, choices=ClosedBy.choices, default=ClosedBy.NONE,
                                 blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("chat session")
        verbose_name_plural = _("chat sessions")
        permissions = [("answer_chat", "Can take and answer web-chat sessions")]
        indexes = [models.Index(fields=["status", "handed_off_at"], name="web_chat_session_queue_idx"),
                   models.Index(fields=["agent", "status"], name="web_chat_session_agent_idx")]

    def __str__(self) -> str:
        return f"chat #{self.pk}"


class ChatMessage(models.Model):
    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(_("sender"), max_length=8, choices=SenderKind.choices)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    body = models.TextField(_("message"))
    sent_at = models.DateTimeField(_("sent"))
    article = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name=_("article"))

    class Meta:
        ordering = ["sent_at", "id"]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        indexes = [models.Index(fields=["session", "sent_at"], name="web_chat_message_session_idx")]

    def __str__(self) -> str:
        return f"{self.sender}: {self.body[:30]}"
