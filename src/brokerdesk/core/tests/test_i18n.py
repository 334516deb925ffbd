"""The Chinese catalog: complete, compiled, in step with the source, and used by the pages.

The compiled .mo is committed (a fresh machine may have no GNU gettext), so these tests check it
against the .po in pure Python rather than by file dates, which git does not keep.
"""

import ast
import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, msgid_plural, msgstr / msgstr[n] and flags (obsolete #~ entries skipped)."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


def translations(entries) -> list[dict]:
    return [e for e in entries if e["msgid"]]  # the header has the empty msgid


def msgstrs(entry) -> list[str]:
    return [v for k, v in entry.items() if k.startswith("msgstr")]


@pytest.fixture(scope="module")
def catalog() -> gettext.GNUTranslations:
    with MO.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = parse_po(PO)
    header = next(e for e in entries if e["msgid"] == "")
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"]
    assert len(translations(entries)) > 200
    for entry in entries:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
    for entry in translations(entries):
        assert msgstrs(entry) and all(s.strip() for s in msgstrs(entry)), f"untranslated: {entry['msgid']!r}"
        if "msgid_plural" in entry:
            assert set(entry) - {"flags", "msgctxt"} == {"msgid", "msgid_plural", "msgstr[0]"}, entry["msgid"]
        wanted = sorted(PLACEHOLDER.findall(entry["msgid"]))
        for text in msgstrs(entry):
            assert sorted(PLACEHOLDER.findall(text)) == wanted, f"placeholders differ: {entry['msgid']!r}"


def catalog_key(entry) -> str:
    """How gettext keys a message: "context\x04msgid" when the entry has a msgctxt."""
    return f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]


def test_the_committed_mo_is_the_compiled_po(catalog):
    expected = {}
    for entry in translations(parse_po(PO)):
        if "msgid_plural" in entry:
            expected[(catalog_key(entry), 0)] = entry["msgstr[0]"]
        else:
            expected[catalog_key(entry)] = entry["msgstr"]
    compiled = {k: v for k, v in catalog._catalog.items() if k != ""}
    assert compiled == expected, "django.mo is stale: run `brokerdesk compilemessages` in src/brokerdesk"


@pytest.mark.parametrize(
    ("msgid", "chinese"),
    [
        ("Sign in", "登录"),
        ("Sign out", "退出"),
        ("Audit trail", "审计日志"),
        ("Client manager", "客户经理"),
        ("capital account", "资金账号"),
        ("shareholder account", "股东账户"),
        ("Show full data", "查看完整信息"),
        ("Bank to securities", "银转证"),
        ("Lowest category", "最低风险承受能力类别"),
        ("ChiNext (创业板)", "创业板"),
        ("Call-center agent", "客服坐席"),
    ],
)
def test_key_terms(catalog, msgid, chinese):
    assert catalog.gettext(msgid) == chinese


def test_plurals_have_one_chinese_form(catalog):
    assert catalog.ngettext("%(n)s client", "%(n)s clients", 1) == "%(n)s 名客户"
    assert catalog.ngettext("%(n)s client", "%(n)s clients", 7) == "%(n)s 名客户"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_the_catalog_covers_every_string_in_the_source(tmp_path, monkeypatch):
    """Re-extract from a copy of the package: a wrapped string missing from the .po fails here."""
    from django.core.management import call_command
    from django.test import override_settings

    package = Path(settings.LOCALE_PATHS[0]).parent
    copy = tmp_path / "brokerdesk"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo"))
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
    fresh = {catalog_key(e) for e in translations(parse_po(copy / "locale/zh_Hans/LC_MESSAGES/django.po"))}
    committed = {catalog_key(e) for e in translations(parse_po(PO))}
    assert sorted(fresh - committed) == [], "run makemessages in src/brokerdesk and translate the new strings"
    assert sorted(committed - fresh) == [], "run makemessages --no-obsolete in src/brokerdesk"


def _login_page(**cookies) -> str:
    client = Client(headers={"Accept-Language": "en-US,en;q=0.9"})  # the browser's language is not used
    for name, value in cookies.items():
        client.cookies[name] = value
    response = client.get("/login/", secure=True)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_login_page_is_chinese_by_default():
    body = _login_page()
    assert '<html lang="zh-hans">' in body
    for text in ("登录", "用户名", "密码", "客户服务"):
        assert text in body
    for text in ("Sign in", "User name", "Password", "Customer service"):
        assert text not in body


@pytest.mark.django_db
def test_the_login_page_is_english_with_the_language_cookie():
    body = _login_page(**{settings.LANGUAGE_COOKIE_NAME: "en"})
    assert '<html lang="en">' in body
    for text in ("Sign in", "User name", "Password", "Customer service"):
        assert text in body
    for text in ("登录", "用户名", "密码"):
        assert text not in body
