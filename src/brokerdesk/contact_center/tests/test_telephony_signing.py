"""The request signature: the worked example of docs/telephony.md, its shell (openssl) snippet, and the checks."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from brokerdesk.contact_center.telephony.signing import signature, signature_matches, signed_headers, string_to_sign

DOC = Path(__file__).resolve().parents[4] / "docs" / "telephony.md"
EXAMPLE = {"secret": "s3cr3t-shared-with-the-pbx", "timestamp": "1763344800", "nonce": "4f3c2a1b9e8d7c6b",
           "method": "POST", "path": "/api/v1/telephony/calls/route",
           "body": b'{"event_id":"pbx1-1763344800.42-route-3","call_ref":"1763344800.42"}'}
EXPECTED = "56b8643a90100f23105ed0746f418888e0552c44c5844bfbc4485b8c43c8a85d"


def _sign(**changes):
    values = {**EXAMPLE, **changes}
    return signature(values["secret"], values["timestamp"], values["nonce"], values["method"], values["path"],
                     values["body"])


def test_it_matches_the_worked_example_in_the_docs():
    assert _sign() == EXPECTED
    text = DOC.read_text()
    assert EXPECTED in text and EXAMPLE["body"].decode() in text
    assert string_to_sign(EXAMPLE["timestamp"], EXAMPLE["nonce"], "post", EXAMPLE["path"], EXAMPLE["body"]) == (
        b"1763344800\n4f3c2a1b9e8d7c6b\nPOST\n/api/v1/telephony/calls/route\n"
        b"b5b42e11f35e22fc602781dfa97bc34da32a85dfd2cf4faff1a4fcca2b0d0002")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_it_signs_the_same_with_the_docs_shell_snippet():
    snippet = re.search(r"### Shell \(openssl\)\s+```sh\n(.*?)```", DOC.read_text(), re.S).group(1)
    env = {"SECRET": EXAMPLE["secret"], "TS": EXAMPLE["timestamp"], "NONCE": EXAMPLE["nonce"], "METHOD": "POST",
           "REQ_PATH": EXAMPLE["path"], "BODY": EXAMPLE["body"].decode(), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(["bash", "-c", snippet], env=env, capture_output=True, text=True, check=True)  # noqa: S603,S607
    assert result.stdout.strip() == EXPECTED


def test_it_changes_the_signature_with_any_part_of_the_request():
    for change in ({"secret": "other"}, {"timestamp": "1763344801"}, {"nonce": "4f3c2a1b9e8d7c6c"},
                   {"method": "GET"}, {"path": EXAMPLE["path"] + "?after=1"}, {"body": EXAMPLE["body"] + b" "}):
        assert _sign(**change) != EXPECTED, change


def test_it_compares_signatures_whatever_their_case_and_refuses_garbage():
    args = (EXAMPLE["timestamp"], EXAMPLE["nonce"], "POST", EXAMPLE["path"], EXAMPLE["body"])
    assert signature_matches(EXAMPLE["secret"], EXPECTED.upper(), *args)
    for given in ("", "0" * 64, EXPECTED[:-1], "签名"):
        assert not signature_matches(EXAMPLE["secret"], given, *args)


def test_it_uses_a_fresh_nonce_for_every_request():
    first, second = (signed_headers("s", "GET", "/api/v1/telephony/commands") for _ in range(2))
    assert first["X-Telephony-Nonce"] != second["X-Telephony-Nonce"]
