"""Test mails as bytes, CRLF line ends (as they travel over SMTP, so the stored bytes equal the sent ones)."""

import base64
from email.message import EmailMessage
from email.policy import SMTP

SERVICE = "service@brokerdesk.local"


def crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii")


def plain(*, sender="zhang.san@example.com", subject="咨询：融资融券开户条件",
          body="您好，请问融资融券开户需要什么条件？谢谢。", message_id="<plain-1@example.com>", name="张三") -> bytes:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>"
    message["To"] = SERVICE
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = "Mon, 16 Nov 2026 09:30:00 +0800"
    message.set_content(body)
    return message.as_bytes(policy=SMTP)


def gb18030(*, sender="li.si@example.com", label="gb2312") -> bytes:
    """Headers encoded-word in GB2312, the body 8-bit GB18030 labelled `label` with a GBK-only character (镕)
    and a four-byte GB18030 one (𠮷)."""
    body = "朱镕基路营业部的客户经理电话是多少？𠮷\r\n"
    subject = base64.b64encode("营业部电话".encode("gb2312")).decode()
    name = base64.b64encode("李四".encode("gb2312")).decode()
    head = crlf(f"From: =?gb2312?B?{name}?= <{sender}>\nTo: {SERVICE}\nSubject: =?gb2312?B?{subject}?=\n"
                f"Message-ID: <gb-1@example.com>\nMIME-Version: 1.0\n"
                f"Content-Type: text/plain; charset={label}\nContent-Transfer-Encoding: 8bit\n\n")
    return head + body.encode("gb18030")


def html_only(*, sender="wang.wu@example.com") -> bytes:
    html = ("<html><head><title>标题</title><style>p {color: red}</style>"
            "<script>alert('steal cookies')</script></head><body><p>您好，</p>"
            "<p>我的账户无法登录&nbsp;&amp;&nbsp;转账失败。</p><div>请尽快处理<br>王五</div></body></html>")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SERVICE
    message["Subject"] = "账户问题"
    message["Message-ID"] = "<html-1@example.com>"
    message.set_content(html, subtype="html")
    return message.as_bytes(policy=SMTP)


def with_attachment(*, sender="zhang.san@example.com") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SERVICE
    message["Subject"] = "交割单"
    message["Message-ID"] = "<att-1@example.com>"
    message.set_content("附件是我的交割单。")
    message.add_alternative("<p>附件是我的<b>交割单</b>。</p>", subtype="html")
    message.add_attachment(b"%PDF-1.4 fake pdf bytes\x00\x01\x02", maintype="application", subtype="pdf",
                           filename="交割单2026年11月.pdf")
    message.add_attachment("成交编号,数量\n1,100\n".encode("gb18030"), maintype="text", subtype="csv",
                           filename="成交.csv")
    return message.as_bytes(policy=SMTP)


# The broken ones, each with the reason it must be quarantined for.
MISSING_FROM = crlf("To: service@brokerdesk.local\nSubject: no sender\nMessage-ID: <nf@x>\n\nHello\n")
INVALID_FROM = crlf("From: just some words\nTo: service@brokerdesk.local\nSubject: hi\n\nHello\n")
MALFORMED_HEADERS = crlf("From: a@example.com\nthis line is no header at all\nSubject: x\n\nbody\n")
NO_BOUNDARY = crlf("From: a@example.com\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed\n\n"
                   "--XYZ\nContent-Type: text/plain\n\nhello\n--XYZ--\n")
BOUNDARY_NEVER_FOUND = crlf("From: a@example.com\nSubject: x\nMIME-Version: 1.0\n"
                            'Content-Type: multipart/mixed; boundary="XYZ"\n\n'
                            "garbage \x7f garbage\nmore garbage\n")
TRUNCATED_MULTIPART = crlf("From: a@example.com\nSubject: x\nMIME-Version: 1.0\n"
                           'Content-Type: multipart/mixed; boundary="XYZ"\n\n'
                           "--XYZ\nContent-Type: text/plain\n\nhello\n--XYZ\nContent-Type: application/pdf\n"
                           "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n")
BAD_BASE64 = crlf("From: a@example.com\nSubject: x\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
                  "Content-Transfer-Encoding: base64\n\n5oKo5aW9!!!*** not base64 at all ###\n")
NO_TEXT_BODY = crlf("From: a@example.com\nSubject: only a picture\nMIME-Version: 1.0\n"
                    "Content-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n")
BAD_CHARSET = (crlf("From: a@example.com\nSubject: x\nMIME-Version: 1.0\n"
                    "Content-Type: text/plain; charset=x-no-such-charset\nContent-Transfer-Encoding: 8bit\n\n")
               + b"\xff\xfe\xfd\x80\x81" * 20 + b"\r\n")


def too_many_parts(count: int) -> bytes:
    parts = "".join(f"--B\nContent-Type: text/plain\n\npart {i}\n" for i in range(count))
    return crlf(f'From: a@example.com\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"'
                f"\n\n{parts}--B--\n")


def too_deep(levels: int) -> bytes:
    text = "Content-Type: text/plain\n\ninnermost\n"
    for level in range(levels):
        text = (f'Content-Type: multipart/mixed; boundary="L{level}"\n\n--L{level}\n{text}--L{level}--\n')
    return crlf(f"From: a@example.com\nSubject: x\nMIME-Version: 1.0\n{text}")


def oversized(size: int) -> bytes:
    head = plain(message_id="<big@example.com>")
    filler = b"".join(b"x" * 76 + b"\r\n" for _ in range(size // 78 + 1))
    return head + filler
