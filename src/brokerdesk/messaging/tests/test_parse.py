"""The email parser on its own: Chinese charsets, HTML-only mail, attachments, every quarantine reason, fuzz."""

import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokerdesk.messaging.email import parse
from brokerdesk.messaging.email.parse import ParsedEmail, Quarantine, attachment_bytes, parse_email
from brokerdesk.messaging.tests import mails


def test_it_reads_a_plain_chinese_mail():
    parsed = parse_email(mails.plain())

    assert parsed.from_address == "zhang.san@example.com" and parsed.from_name == "张三"
    assert parsed.subject == "咨询：融资融券开户条件"
    assert parsed.body_text == "您好，请问融资融券开户需要什么条件？谢谢。"
    assert parsed.body_type == "text/plain" and parsed.message_id == "<plain-1@example.com>"
    assert parsed.sent_at is not None and parsed.sent_at.utcoffset().total_seconds() == 8 * 3600
    assert parsed.attachments == ()


@pytest.mark.parametrize("label", ["gb2312", "GBK", "gb18030", "x-gbk", "cp936"])
def test_it_decodes_gb_mail_with_characters_beyond_its_label(label):
    parsed = parse_email(mails.gb18030(label=label))

    assert parsed.body_text == "朱镕基路营业部的客户经理电话是多少？𠮷"
    assert parsed.subject == "营业部电话" and parsed.from_name == "李四"


def test_it_reads_raw_8bit_gbk_headers_and_a_body_without_charset():
    raw = "From: 张三 <zs@example.com>\r\nSubject: 您好，转账\r\n\r\n您好，我想转账。\r\n".encode("gbk")

    parsed = parse_email(raw)

    assert (parsed.from_name, parsed.subject, parsed.body_text) == ("张三", "您好，转账", "您好，我想转账。")
    assert any("gb18030" in note for note in parsed.notes)


def test_it_turns_an_html_only_body_into_text_without_script_or_style():
    parsed = parse_email(mails.html_only())

    assert parsed.body_type == "text/html"
    assert parsed.body_text == "您好，\n\n我的账户无法登录 & 转账失败。\n\n请尽快处理\n王五"
    for leaked in ("alert", "steal", "color", "<", "标题"):
        assert leaked not in parsed.body_text


def test_it_prefers_the_plain_alternative_and_describes_attachments_whose_bytes_stay_retrievable():
    raw = mails.with_attachment()

    parsed = parse_email(raw)

    assert parsed.body_text == "附件是我的交割单。" and parsed.body_type == "text/plain"
    pdf, csv = parsed.attachments
    assert (pdf.filename, pdf.content_type, pdf.disposition) == ("交割单2026年11月.pdf", "application/pdf",
                                                                  "attachment")
    assert attachment_bytes(raw, pdf.path) == b"%PDF-1.4 fake pdf bytes\x00\x01\x02"
    assert pdf.size == 26 and pdf.sha256 == hashlib.sha256(b"%PDF-1.4 fake pdf bytes\x00\x01\x02").hexdigest()
    assert csv.filename == "成交.csv" and attachment_bytes(raw, csv.path).decode("gb18030").startswith("成交编号")


@pytest.mark.parametrize(("raw", "code"), [
    (b"", parse.EMPTY),
    (b"  \r\n\r\n", parse.EMPTY),
    (mails.MISSING_FROM, parse.MISSING_FROM),
    (mails.INVALID_FROM, parse.INVALID_FROM),
    (mails.crlf("From: <>\nSubject: x\n\nbody\n"), parse.INVALID_FROM),
    (mails.crlf("From: a@example.com\nFrom: b@example.com\nSubject: x\n\nbody\n"), parse.INVALID_FROM),
    (mails.MALFORMED_HEADERS, parse.MALFORMED_HEADERS),
    (mails.NO_BOUNDARY, parse.BROKEN_MULTIPART),
    (mails.BOUNDARY_NEVER_FOUND, parse.BROKEN_MULTIPART),
    (mails.TRUNCATED_MULTIPART, parse.BROKEN_MULTIPART),
    (mails.BAD_BASE64, parse.BAD_TRANSFER_ENCODING),
    (mails.NO_TEXT_BODY, parse.NO_TEXT_BODY),
    (mails.crlf("From: a@example.com\nSubject: only a subject\n\n \n"), parse.NO_TEXT_BODY),
    (mails.BAD_CHARSET, parse.CHARSET),
    (mails.too_many_parts(30), parse.TOO_MANY_PARTS),
    (mails.too_deep(15), parse.TOO_DEEP),
    (mails.too_deep(2000), parse.TOO_DEEP),
    (b"\x00\xff\xfe garbage \x80\r\n\r\nmore", parse.MALFORMED_HEADERS),
])
def test_it_quarantines_with_the_reason(raw, code):
    with pytest.raises(Quarantine) as caught:
        parse_email(raw, max_parts=20)

    assert caught.value.code == code and caught.value.message
    assert code in parse.REASON_CODES


def test_it_quarantines_a_mail_over_the_limit():
    raw = mails.oversized(5000)

    with pytest.raises(Quarantine) as caught:
        parse_email(raw, max_bytes=4000)

    assert caught.value.code == parse.OVERSIZED and caught.value.details == {"size": len(raw), "limit": 4000}


def test_it_tolerates_minor_defects_as_notes():
    raw = mails.crlf("From: a@example.com\nSubject: x\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
                     "Content-Transfer-Encoding: base64\n\n5oKo5aW9\n")  # no padding needed; then a missing pad:
    assert parse_email(raw).body_text == "您好"
    padded = raw.replace(b"5oKo5aW9", b"5oKo5aW95Zw")
    parsed = parse_email(padded)
    assert parsed.body_text.startswith("您好") and any("Padding" in note for note in parsed.notes)


def test_its_text_never_holds_what_a_database_refuses():
    raw = mails.crlf("From: a@example.com\nSubject: x\x01y\n\n") + b"nul\x00here \xed\xa0\x80 ok\r\n"

    parsed = parse_email(raw)

    for text in (parsed.subject, parsed.body_text):
        assert "\x00" not in text and "\x01" not in text
        text.encode("utf-8")  # no lone surrogates


# --- fuzz: whatever the bytes, the parser answers ParsedEmail or Quarantine, nothing else --------------------------

_FRAGMENTS = [
    b"From: a@example.com\r\n", b"From: \r\n", b"From: =?gb2312?B?1cXI/Q==?= <zs@example.com>\r\n",
    b"Subject: =?utf-8?Q?=E4=BD=A0?=\r\n", b"Subject: \xc4\xe3\r\n", b"MIME-Version: 1.0\r\n",
    b'Content-Type: multipart/mixed; boundary="B"\r\n', b"Content-Type: multipart/alternative\r\n",
    b"Content-Type: text/html; charset=gbk\r\n", b"Content-Type: text/plain; charset=\"utf-8\"\r\n",
    b"Content-Type: message/rfc822\r\n", b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n", b"Content-Disposition: attachment; filename*=utf-8''%E4%BD\r\n",
    b"\r\n", b"--B\r\n", b"--B--\r\n", b"<script>x</script><p>hi</p>", b"=E4=BD=A0=\r\n", b"5oKo5aW9\r\n",
    b" folded continuation\r\n", b"\x00", b"\xff\xfe", b"<", b"&#xD800;", b"Date: Mon, 99 Foo 2026\r\n",
    b"Message-ID: <<>>\r\n", b"References: <a@b> <c@d\r\n",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_give_a_parse_or_a_quarantine(raw):
    _parse_or_quarantine(raw)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.binary(max_size=40)), max_size=60))
def test_mail_shaped_garbage_gives_a_parse_or_a_quarantine(pieces):
    _parse_or_quarantine(b"".join(pieces))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_mutated_real_mail_gives_a_parse_or_a_quarantine(data):
    raw = bytearray(mails.with_attachment())
    for _ in range(data.draw(st.integers(1, 20))):
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position:position + data.draw(st.integers(0, 30))] = data.draw(st.binary(max_size=30))
    _parse_or_quarantine(bytes(raw))


def _parse_or_quarantine(raw: bytes) -> None:
    try:
        result = parse_email(raw, max_parts=20)
    except Quarantine as quarantine:
        assert quarantine.code in parse.REASON_CODES
        return
    assert isinstance(result, ParsedEmail) and result.from_address and result.body_text.strip()
    for text in (result.subject, result.body_text, result.from_name, result.from_address):
        assert "\x00" not in text
        text.encode("utf-8")
