"""The protocol's pure parts: signature, replay window, the safe XML reader, binding commands, the reply XML."""

import pytest

from brokerdesk.messaging.wechat import protocol


def test_it_signs_the_sorted_concatenation_of_token_timestamp_and_nonce():
    # sorted: "12345", "1700000000", "brokerdesk" -> sha1("123451700000000brokerdesk") (checked with sha1sum)
    assert protocol.signature("brokerdesk", "1700000000", "12345") == "7439de5f1b09ff5d06a0999b84fd363cdbcceb4f"
    assert protocol.signature_valid("brokerdesk", "7439DE5F1B09FF5D06A0999B84FD363CDBCCEB4F", "1700000000", "12345")


def test_it_accepts_no_signature_without_a_token():
    assert not protocol.signature_valid("", protocol.signature("", "1", "2"), "1", "2")


def test_it_keeps_timestamps_to_the_window_both_ways():
    assert protocol.timestamp_fresh("1000", window_seconds=300, now=1200)
    assert protocol.timestamp_fresh("1400", window_seconds=300, now=1200)
    assert not protocol.timestamp_fresh("800", window_seconds=300, now=1200)
    assert not protocol.timestamp_fresh("1600", window_seconds=300, now=1200)
    assert not protocol.timestamp_fresh("-5", window_seconds=300, now=1200)
    assert not protocol.timestamp_fresh("1e3", window_seconds=300, now=1200)


def test_it_reads_the_fields_of_a_message_and_nested_event_fields():
    parsed = protocol.parse_message(
        b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oabc]]></FromUserName>"
        b"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event>scancode_push</Event>"
        b"<ScanCodeInfo><ScanType>qrcode</ScanType><ScanResult>1</ScanResult></ScanCodeInfo></xml>")
    assert parsed.openid == "oabc" and parsed.to_user == "gh_1" and parsed.event == "scancode_push"
    assert parsed.get("ScanCodeInfo.ScanResult") == "1"
    assert parsed.dedup_key == "event:oabc:1700000000:scancode_push"


@pytest.mark.parametrize("body, code", [
    (b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
     b"<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
     b"<MsgType>text</MsgType><Content>&b;</Content></xml>", "xml_forbidden"),
    (b'<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>', "xml_forbidden"),
    (b'<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/evil.dtd"><xml/>', "xml_forbidden"),
    (b"<xml><ToUserName>gh_1</ToUserName>", "xml_malformed"),
    (b"<html><ToUserName>gh_1</ToUserName></html>", "xml_malformed"),
    (b"<xml><ToUserName>gh_1</ToUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>", "missing_field"),
    (b"<xml>" + b"<a>" * 10 + b"</a>" * 10 + b"</xml>", "xml_malformed"),
])
def test_it_refuses_what_is_not_a_plain_wechat_message(body, code):
    with pytest.raises(protocol.XmlRejected) as caught:
        protocol.parse_message(body)
    assert caught.value.code == code


def test_it_refuses_a_body_over_the_size_cap():
    with pytest.raises(protocol.XmlRejected) as caught:
        protocol.parse_message(b"<xml>" + b" " * 2000 + b"</xml>", max_bytes=1000)
    assert caught.value.code == "too_large"


@pytest.mark.parametrize("text, code", [
    ("绑定 123456", "123456"), ("绑定123456", "123456"), ("bind 654321", "654321"), ("绑定：１２３４５６", "123456"),
    ("绑定 12345", ""), ("绑定", ""), ("我想绑定账户", None), ("hello", None),
])
def test_it_reads_binding_commands(text, code):
    assert protocol.binding_code_in(text) == code


def test_it_escapes_cdata_in_replies():
    reply = protocol.text_reply(to_openid="o1", from_account="gh_1", content="a]]>b", create_time=5)
    assert protocol.parse_message(reply.encode()).content == "a]]>b"
