"""Outbound email over SMTP (EMAIL_HOST:EMAIL_PORT, Django's settings), one message per connection.

The message carries a fixed Message-ID made from our message key (<key@domain>), the same on every attempt, so
a mail system or client that sees it twice can tell it is one message.

The rule for "never send twice": the outcome is classified by the SMTP phase it happened in.

    connect, EHLO, STARTTLS, AUTH, MAIL, RCPT, the DATA command   nothing was handed over: 4xx and connection
                                                                   errors are temporary (retried), 5xx permanent
    after the server said 354 and we began sending the content    the server may have the mail already: a lost
    (a timeout or a dropped connection before the final reply)     connection here is AMBIGUOUS and never retried
                                                                   by itself; a person decides ("retry now")
    the final reply to the content                                 250 accepted; 4xx temporary (the server said it
                                                                   did not take it); 5xx permanent
"""

import smtplib
import ssl
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage

from brokerdesk.messaging.choices import AttemptOutcome
from brokerdesk.messaging.outbound.senders import SendResult


def message_id_for(message) -> str:
    domain = (settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "brokerdesk.local").strip(">").strip()
    return f"<{message.key}@{domain}>"


def build_email(message) -> EmailMessage:
    email = EmailMessage(subject=message.subject, body=message.body, from_email=settings.DEFAULT_FROM_EMAIL,
                         to=[message.to_address],
                         headers={"Message-ID": message_id_for(message),
                                  "X-BrokerDesk-Message": str(message.key),
                                  "Auto-Submitted": "auto-generated"})
    return email


def _reply_outcome(code: int) -> str:
    return AttemptOutcome.TRANSIENT if 400 <= code < 500 else AttemptOutcome.PERMANENT


@dataclass
class SmtpSender:
    host: str
    port: int
    timeout: float = 30.0
    username: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False

    @classmethod
    def from_settings(cls) -> "SmtpSender":
        return cls(host=settings.EMAIL_HOST, port=int(settings.EMAIL_PORT),
                   timeout=settings.MESSAGING_SMTP_TIMEOUT_SECONDS,
                   username=getattr(settings, "EMAIL_HOST_USER", "") or "",
                   password=getattr(settings, "EMAIL_HOST_PASSWORD", "") or "",
                   use_tls=bool(getattr(settings, "EMAIL_USE_TLS", False)),
                   use_ssl=bool(getattr(settings, "EMAIL_USE_SSL", False)))

    def send(self, message) -> SendResult:
        email = build_email(message)
        content = email.message().as_bytes(linesep="\r\n")
        sender, recipients = email.from_email, email.recipients()
        phase = "connect"
        try:
            cls = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
            with cls(self.host, self.port, timeout=self.timeout) as smtp:
                phase = "ehlo"
                smtp.ehlo_or_helo_if_needed()
                if self.use_tls and not self.use_ssl:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.username:
                    phase = "auth"
                    smtp.login(self.username, self.password)
                phase = "mail"
                code, text = smtp.mail(sender)
                if code != 250:
                    return _refused(code, text, phase)
                phase = "rcpt"
                for address in recipients:
                    code, text = smtp.rcpt(address)
                    if code not in (250, 251):
                        return _refused(code, text, phase)
                phase = "data"
                smtp.putcmd("data")
                code, text = smtp.getreply()
                if code != 354:
                    return _refused(code, text, phase)
                phase = "content"  # from here on the server may keep the mail whatever happens to us
                smtp.send(_dot_stuffed(content) + b"\r\n.\r\n")
                code, text = smtp.getreply()
                if code != 250:
                    return _refused(code, text, "end of data")
                return SendResult(AttemptOutcome.ACCEPTED, provider_id=message_id_for(message)[:200],
                                  response={"code": code, "text": text.decode(errors="replace")[:500]})
        except smtplib.SMTPResponseException as error:  # e.g. STARTTLS or AUTH refused
            return _refused(error.smtp_code, error.smtp_error, phase)
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            if phase == "content":
                return SendResult(AttemptOutcome.AMBIGUOUS, response={"phase": phase},
                                  error=f"the connection failed after the content was sent, before the server's "
                                        f"answer ({type(error).__name__}: {error}); it may have been delivered")
            return SendResult(AttemptOutcome.TRANSIENT, response={"phase": phase},
                              error=f"SMTP {phase} failed: {type(error).__name__}: {error}")


def _refused(code: int, text, phase: str) -> SendResult:
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return SendResult(_reply_outcome(code), error=f"SMTP {phase}: {code} {text}"[:1000],
                      response={"phase": phase, "code": code, "text": text[:500]})


def _dot_stuffed(content: bytes) -> bytes:
    """RFC 5321 4.5.2: a line starting with "." gets another one; the content ends with CRLF."""
    lines = content.split(b"\r\n")
    stuffed = b"\r\n".join(b"." + line if line.startswith(b".") else line for line in lines)
    return stuffed if stuffed.endswith(b"\r\n") else stuffed + b"\r\n"
