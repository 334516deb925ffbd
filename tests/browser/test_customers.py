"""Customer journeys in Chromium: find a client, the masked 360, audited unmasking, scoping, notes, the asset chart.

Elements are found by name attributes, data-testid and roles, not by label text: the interface is Chinese
by default and its wording changes with the translation catalog.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def masked_id(number: str) -> str:
    """The display rule, spelled out independently of brokerdesk.core.masking: first 3, 11 stars, last 4."""
    assert len(number) == 18
    return number[:3] + "*" * 11 + number[-4:]


def mark_document(page) -> None:
    """Tag the current document; still_same_document() is False after any full page load."""
    page.evaluate("window.__sameDocument = true")


def still_same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def write_asset_history(customer_no: str, days: int) -> dict[date, Decimal]:
    """A small published lake (settings.LAKE_DIR): one asset snapshot per weekday for the last `days`
    weekdays, plus another client's row. Returns the client's total assets by day."""
    import pyarrow as pa

    from brokerdesk.analytics.engine.lake import ASSET_SNAPSHOTS, write_file
    from brokerdesk.core.lake import lake_root, publish, version_dir

    today = timezone.localdate()
    calendar = (today - timedelta(days=n) for n in range(days * 2, 0, -1))
    business_days = [d for d in calendar if d.weekday() < 5][-days:]
    money = pa.decimal128(18, 2)
    totals = {}
    for i, day in enumerate(business_days):
        total = Decimal(800_000 + 4_000 * i + (9_000 if i % 3 == 0 else 0))
        cash = Decimal(200_000 + 1_000 * i)
        totals[day] = total
        path = version_dir(ASSET_SNAPSHOTS, day, "test") / "part-0.parquet"
        rows = write_file(path, pa.table({
            "customer_no": [customer_no, "OTHER0001"],
            "total_assets": pa.array([total, Decimal(1)], money),
            "cash": pa.array([cash, Decimal(1)], money),
            "market_value": pa.array([total - cash, Decimal(0)], money),
        }))
        publish(ASSET_SNAPSHOTS, day, str(path.relative_to(lake_root())), rows, "test")
    return totals


def test_it_lets_an_agent_find_a_client_by_phone_and_see_a_masked_360(
    page, sign_in, live_server, users, org, customer_a, screenshot
):
    from tests.factories import make_customer

    other_in_scope = make_customer(org["branch_a"])  # visible to the agent, must not match the phone
    phone = customer_a.phones.get().number
    full_id = customer_a.id_number
    agent = users["agent"]

    sign_in(agent)
    # The session cookie is Secure and still kept: Chromium treats http://localhost as a secure context.
    session = {c["name"]: c for c in page.context.cookies()}["brokerdesk_session"]
    assert session["secure"] and session["httpOnly"]

    page.locator("nav.mainnav a[href='/customers/']").click()
    expect(page).to_have_url(f"{live_server.url}/customers/")
    mark_document(page)
    page.get_by_test_id("customer-search").fill(phone)

    results = page.get_by_test_id("search-results")
    expect(results).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/customers/?q={phone}")  # hx-push-url
    assert still_same_document(page), "the results should arrive by htmx, not by a page load"
    rows = results.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(customer_a.name)
    expect(rows).to_contain_text(masked_id(full_id))
    expect(results).not_to_contain_text(other_in_scope.customer_no)
    assert full_id not in page.content()
    screenshot("customer-search")

    rows.get_by_role("link", name=customer_a.name).click()
    expect(page).to_have_url(f"{live_server.url}/customers/{customer_a.pk}/")
    expect(page.get_by_test_id("id-number")).to_have_text(masked_id(full_id))
    html = page.content()
    assert full_id not in html
    assert phone not in html, "the phone number is personal data too and must be masked on the 360"
    expect(page.get_by_test_id("risk").locator(".big")).to_contain_text(customer_a.risk_level)
    expect(page.get_by_test_id("unmask-form")).to_have_count(0)  # agents may not unmask
    screenshot("customer-360-masked")


def test_it_shows_compliance_the_full_id_after_an_audited_unmask(page, sign_in, users, customer_a):
    from brokerdesk.core.models import AuditEvent

    officer = users["compliance"]
    reason = "监管问询核实客户身份"
    unmasks = AuditEvent.objects.filter(
        action="pii.unmask", actor_id=officer.pk, object_type="customer", object_id=str(customer_a.pk)
    )
    sign_in(officer)
    page.goto(f"/customers/{customer_a.pk}/")
    id_number = page.get_by_test_id("id-number")
    expect(id_number).to_have_text(masked_id(customer_a.id_number))
    assert not unmasks.exists(), "opening the 360 is not an unmask"

    form = page.get_by_test_id("unmask-form")
    form.locator("input[name=reason]").fill(reason)
    form.get_by_role("button").click()

    expect(id_number).to_have_text(customer_a.id_number)
    expect(page.get_by_test_id("unmask-form")).to_have_count(0)
    event = unmasks.get()
    assert event.actor_username == officer.username
    assert event.details["reason"] == reason


def test_it_answers_branch_b_staff_with_the_404_page_for_a_branch_a_client(
    page, sign_in, users, customer_a, customer_b
):
    sign_in(users["branch_b"])
    own = page.goto(f"/customers/{customer_b.pk}/")
    assert own.status == 200  # the URL works for a client of their own branch

    response = page.goto(f"/customers/{customer_a.pk}/")

    assert response.status == 404
    with translation.override("zh-hans"):
        not_found = translation.gettext("Not found")
    expect(page.locator("main h1")).to_have_text(not_found)
    expect(page.get_by_test_id("identity")).to_have_count(0)
    html = page.content()
    assert customer_a.customer_no not in html


def test_it_adds_a_note_to_the_contact_timeline_without_a_page_load(page, sign_in, users, customer_a):
    from brokerdesk.customers.models import CustomerNote

    agent = users["agent"]
    text = f"客户询问创业板权限开通条件，已解释。{customer_a.customer_no}"
    sign_in(agent)
    page.goto(f"/customers/{customer_a.pk}/")
    notes = page.locator("#timeline li.kind-note")
    expect(notes).to_have_count(0)
    mark_document(page)

    form = page.get_by_test_id("note-form")
    form.locator("textarea[name=body]").fill(text)
    form.get_by_role("button").click()

    expect(notes).to_have_count(1)
    expect(notes).to_contain_text(text)
    expect(notes).to_contain_text(str(agent))
    assert still_same_document(page), "the note should be added by htmx, not by a page load"
    expect(page.get_by_test_id("note-form").locator("textarea[name=body]")).to_have_value("")
    assert CustomerNote.objects.filter(customer=customer_a, author=agent, body=text).count() == 1


def test_it_shows_a_refused_note_in_place(page, sign_in, users, customer_a):
    from brokerdesk.customers.models import CustomerNote

    sign_in(users["agent"])
    page.goto(f"/customers/{customer_a.pk}/")
    mark_document(page)

    form = page.get_by_test_id("note-form")
    form.locator("textarea[name=body]").fill("   ")  # passes the browser's `required`, not the service
    form.get_by_role("button").click()

    expect(page.get_by_role("alert")).to_be_visible()
    assert still_same_document(page)
    assert not CustomerNote.objects.filter(customer=customer_a).exists()


def test_it_draws_the_asset_trend_from_the_lake_with_local_echarts(
    page, sign_in, live_server, users, customer_a, settings, tmp_path, screenshot
):
    settings.LAKE_DIR = tmp_path / "lake"
    history = write_asset_history(customer_a.customer_no, 30)
    scripts = {}
    page.on("response", lambda r: scripts.update({r.url: r.status}) if r.request.resource_type == "script" else None)

    sign_in(users["agent"])
    page.goto(f"/customers/{customer_a.pk}/")

    chart = page.locator("#asset-chart")
    expect(chart.locator("canvas").first).to_be_visible()
    box = chart.locator("canvas").first.bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    assert scripts.get(f"{live_server.url}/static/vendor/echarts.min.js") == 200
    # The chart plots exactly the client's snapshots from the lake, oldest first.
    plotted = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('asset-chart')).getOption().xAxis[0].data"
    )
    assert plotted == [d.isoformat() for d in history]
    totals = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('asset-chart')).getOption().series[0].data"
    )
    assert totals == [float(t) for t in history.values()]
    screenshot("customer-360-chart")
