"""The page shell in Chromium: the language selector."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_it_switches_the_interface_from_chinese_to_english(page, sign_in, live_server, users):
    with translation.override("zh-hans"):
        # What the zh-hans catalog makes of the label ("Sign out" itself until the catalog has it).
        sign_out_in_chinese = translation.gettext("Sign out")
    sign_in(users["agent"])
    page.goto("/customers/")
    html = page.locator("html")
    sign_out = page.locator("form[action$='/logout/'] button")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(sign_out).to_have_text(sign_out_in_chinese)

    page.locator("select[name=language]").select_option("en")

    expect(html).to_have_attribute("lang", "en")
    expect(sign_out).to_have_text("Sign out")
    expect(page).to_have_url(f"{live_server.url}/customers/")  # back on the page it was switched from
    page.goto("/")
    expect(html).to_have_attribute("lang", "en")  # the choice sticks (language cookie)
    expect(sign_out).to_have_text("Sign out")
