"""Ticket journeys in Chromium: a complaint from the call to the satisfaction callback across HQ and branches,
stored and reflected XSS in every free-text ticket field, uploaded HTML, and the public form on a phone.

Elements are found by data-testid, name attributes and data-action, not by label text: the interface is
Chinese by default. Status and satisfaction labels are compared with what the zh-hans catalog makes of them.
"""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from playwright.sync_api import expect

from tests.browser.conftest import sign_in_on, zh
from tests.browser.xss_payloads import EXECUTABLE, FILENAME_PAYLOADS, LITERAL, MARKERS, PAYLOADS, chunks, joined

pytestmark = pytest.mark.browser

# The journey's history, in order (TicketEvent.action).
JOURNEY_STEPS = ["create", "accept", "dispatch", "reply", "resolve", "callback", "record_satisfaction"]

# Installed before any page script: payloads report here; the page itself defines nothing.
XSS_HOOK = """
window.__xss = (n) => {
  let sink = window;
  try { if (window.top && window.top.location.href) sink = window.top; } catch (e) { sink = window; }
  sink.__fired = (sink.__fired || []).concat([n]);
};
"""

# Every attribute or script element that carries a payload's marker: an element a payload managed to create,
# fired or not. Two places hold a payload as data and are left out: a form control's value, and a link back to
# the same page whose query string carries it percent-encoded (the queue's pager).
INJECTED_ELEMENTS_JS = """
(markers) => {
  const found = [];
  const carries = (text) => markers.some((m) => (text || "").includes(m));
  const encodedQuery = (value) => /^[?\\/]/.test(value) && !/[<>"'\\s(]/.test(value.replace(/__xss|alert\\(/g, ""));
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if (tag === "script" && carries(el.textContent)) found.push(`<script>${el.textContent.slice(0, 80)}`);
    for (const attr of el.attributes) {
      if (!carries(attr.value)) continue;
      if (attr.name === "value" && ["input", "option", "button"].includes(tag)) continue;
      if (attr.name === "href" && tag === "a" && encodedQuery(attr.value)) continue;
      found.push(`<${tag} ${attr.name}="${attr.value.slice(0, 80)}">`);
    }
  }
  return found;
}
"""

# Two frames and a task: lets queued work (load, error, focus and toggle events, timers at 0) run first.
SETTLE_JS = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0))))"


def normalized(text: str) -> str:
    return " ".join(text.split())


# --- 1. The journey ------------------------------------------------------------------------------------------


def test_it_carries_a_complaint_from_the_call_through_branch_a_to_a_satisfied_close(
    page, sign_in, open_page, live_server, users, org, customer_a, customer_b, screenshot
):
    from brokerdesk.tickets import services
    from brokerdesk.tickets.choices import Satisfaction, SupervisionStatus, TicketStatus
    from brokerdesk.tickets.models import Ticket

    agent, staff_a, staff_b = users["agent"], users["branch_a"], users["branch_b"]
    subject = "客户投诉：营业部未按约定回电"
    description = "客户称上周在深圳A营业部咨询融资融券开户，工作人员承诺次日回电，至今无人联系。"
    instructions = "请营业部两个工作日内核实情况并回复处理措施。"
    findings = "经核实，营业部员工因休假未交接回电事项。"
    measures = "已向客户致歉并完成开户预约；已对相关员工进行提醒并完善交接制度。"
    comment = "客户对处理结果表示满意。"
    # A branch-B ticket, so that branch B's queue is not simply empty.
    theirs = services.ticket_create(actor=agent, accept=True, data=services.TicketInput(
        kind="consultation", channel="phone", subject="B营业部客户咨询", description="咨询", customer_id=customer_b.pk))

    # The agent records the complaint during the call, from the screen-pop's link.
    sign_in(agent)
    page.goto(f"/tickets/new/?customer={customer_a.pk}&call=CALL-123")
    expect(page.get_by_test_id("ticket-customer")).to_contain_text(customer_a.customer_no)
    form = page.get_by_test_id("ticket-form")
    expect(form.locator("input[name=interaction_ref]")).to_have_value("CALL-123")
    form.locator("select[name=kind]").select_option("complaint")
    form.locator("input[name=subject]").fill(subject)
    form.locator("textarea[name=description]").fill(description)
    form.locator("button").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/tickets/\d+/$"))
    ticket = Ticket.objects.get(interaction_ref="CALL-123")
    assert page.url == f"{live_server.url}/tickets/{ticket.pk}/"
    assert (ticket.customer_id, ticket.branch_id, ticket.kind) == (customer_a.pk, org["branch_a"].pk, "complaint")
    expect(page.get_by_test_id("ticket-number")).to_have_text(ticket.number)
    expect(page.get_by_test_id("ticket-owner")).to_have_text(str(agent))
    expect(page.get_by_test_id("ticket-status")).to_have_text(zh(TicketStatus.ACCEPTED.label))
    expect(page.locator("dl.facts .mono", has_text="CALL-123")).to_have_count(1)
    expect(page.get_by_test_id("ticket-description")).to_have_text(description)
    screenshot("ticket-recorded")

    # HQ (the agent's center) dispatches a supervision ticket to branch A.
    dispatch = page.get_by_test_id("dispatch-form")
    dispatch.locator("select[name=branch]").select_option(str(org["branch_a"].pk))
    dispatch.locator("textarea[name=instructions]").fill(instructions)
    dispatch.locator("button[data-action=dispatch]").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text(zh(TicketStatus.DISPATCHED.label))
    expect(page.get_by_test_id("supervision-orders")).to_contain_text(instructions)
    expect(page.get_by_test_id("ticket-branch")).to_contain_text(str(org["branch_a"]))

    # Branch A staff find it in their queue and answer with findings and measures.
    page_a = open_page()
    sign_in_on(page_a, staff_a)
    page_a.goto("/tickets/")
    supervision = page_a.get_by_test_id("supervision-queue")
    expect(supervision).to_contain_text(ticket.number)
    expect(supervision).to_contain_text(subject)
    expect(page_a.get_by_test_id("ticket-queue")).to_contain_text(ticket.number)
    expect(page_a.get_by_test_id("ticket-queue")).not_to_contain_text(theirs.number)
    supervision.get_by_role("link", name=ticket.number).click()
    expect(page_a).to_have_url(f"{live_server.url}/tickets/{ticket.pk}/")
    expect(page_a.get_by_test_id("dispatch-form")).to_have_count(0)  # dispatching is HQ's
    reply = page_a.get_by_test_id("reply-form")
    reply.locator("textarea[name=findings]").fill(findings)
    reply.locator("textarea[name=measures]").fill(measures)
    reply.locator("button[data-action=reply]").click()
    expect(page_a.get_by_test_id("ticket-status")).to_have_text(zh(TicketStatus.RESOLUTION_PROPOSED.label))
    expect(page_a.get_by_test_id("supervision-orders")).to_contain_text(findings)
    expect(page_a.get_by_test_id("supervision-orders")).to_contain_text(measures)
    expect(page_a.get_by_test_id("reply-form")).to_have_count(0)

    # Branch B staff neither see it in their queue nor reach it by its URL.
    page_b = open_page()
    sign_in_on(page_b, staff_b)
    page_b.goto("/tickets/?status=all")
    expect(page_b.get_by_test_id("ticket-queue")).to_contain_text(theirs.number)
    expect(page_b.get_by_test_id("ticket-queue")).not_to_contain_text(ticket.number)
    expect(page_b.get_by_test_id("supervision-queue")).to_have_count(0)
    response = page_b.goto(f"/tickets/{ticket.pk}/")
    assert response.status == 404
    expect(page_b.locator("main h1")).to_have_text(zh(translation.gettext_lazy("Not found")))
    html = page_b.content()
    assert ticket.number not in html and subject not in html and findings not in html

    # HQ accepts the branch's answer and resolves; the client is called back and is satisfied.
    page.goto(f"/tickets/{ticket.pk}/")
    expect(page.get_by_test_id("ticket-resolution")).to_contain_text(findings)
    resolve = page.locator("form:has(button[data-action=resolve])")
    resolve.locator("input[name=note]").fill("营业部回复属实，措施得当。")
    resolve.locator("button[data-action=resolve]").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text(zh(TicketStatus.RESOLVED.label))
    expect(page.locator("button[data-action=close]")).to_have_count(0)  # a complaint closes only by callback
    page.locator("button[data-action=callback]").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text(zh(TicketStatus.SATISFACTION_CALLBACK.label))
    satisfaction = page.get_by_test_id("satisfaction-form")
    expect(satisfaction.locator("input[name=reached][value=yes]")).to_be_checked()
    satisfaction.locator("select[name=satisfaction]").select_option(str(Satisfaction.SATISFIED.value))
    satisfaction.locator("textarea[name=comment]").fill(comment)
    satisfaction.locator("button[data-action=record_satisfaction]").click()

    expect(page.get_by_test_id("ticket-status")).to_have_text(zh(TicketStatus.CLOSED.label))
    expect(page.get_by_test_id("ticket-satisfaction")).to_have_text(zh(Satisfaction.SATISFIED.label))
    history = page.get_by_test_id("ticket-history").locator(":scope > li")
    expect(history).to_have_count(len(JOURNEY_STEPS))
    assert [step.get_attribute("data-action") for step in history.all()] == JOURNEY_STEPS
    expect(history.nth(JOURNEY_STEPS.index("reply"))).to_contain_text(str(staff_a))
    expect(history.nth(JOURNEY_STEPS.index("dispatch"))).to_contain_text(instructions)
    expect(history.nth(JOURNEY_STEPS.index("record_satisfaction"))).to_contain_text(comment)
    for step in ("create", "accept", "dispatch", "resolve", "callback", "record_satisfaction"):
        expect(history.nth(JOURNEY_STEPS.index(step))).to_contain_text(str(agent))
    screenshot("ticket-closed")

    # The client's 360 lists it, and its link records the next ticket for the same client.
    page.goto(f"/customers/{customer_a.pk}/")
    section = page.get_by_test_id("customer-tickets-section")
    row = section.locator("tbody tr", has_text=ticket.number)
    expect(row).to_contain_text(subject)
    expect(row).to_contain_text(zh(TicketStatus.CLOSED.label))
    expect(section.locator("a[href^='/tickets/new/']")).to_have_attribute(
        "href", f"/tickets/new/?customer={customer_a.pk}")
    expect(page.locator("#timeline li.kind-ticket")).to_contain_text(ticket.number)

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.owner_id == agent.pk
    assert (ticket.satisfaction, ticket.satisfaction_note) == (Satisfaction.SATISFIED, comment)
    assert list(ticket.events.order_by("at", "id").values_list("action", "actor__username")) == [
        ("create", agent.username), ("accept", agent.username), ("dispatch", agent.username),
        ("reply", staff_a.username), ("resolve", agent.username), ("callback", agent.username),
        ("record_satisfaction", agent.username)]
    order = ticket.supervision_orders.get()
    assert (order.status, order.replied_by_id, order.findings, order.measures) == (
        SupervisionStatus.ACCEPTED, staff_a.pk, findings, measures)


# --- 2. XSS --------------------------------------------------------------------------------------------------


class XssWatch:
    """Watches one page for any sign that a payload ran: the hook's record, a dialog, an injected element.

    The pages' Content-Security-Policy (script-src 'self') would block inline payloads by itself and so hide
    a template that stopped escaping; the stored and reflected tests therefore run in a context that bypasses
    the policy (bypass_csp=True), testing the escaping alone, and check that every page still sends it.
    """

    def __init__(self, page):
        self.page = page
        self.dialogs: list[str] = []
        page.add_init_script(script=XSS_HOOK)
        page.on("dialog", self._on_dialog)

    def visit(self, url: str, where: str = ""):
        response = self.page.goto(url)
        assert response.status < 500, f"{url}: {response.status}"
        script_src = _csp_directive(response.headers.get("content-security-policy", ""), "script-src")
        assert script_src == "'self'", f"{url}: the page's policy lets inline script run: {script_src!r}"
        self.check(where or url)
        return response

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def fired(self) -> list:
        return self.page.evaluate("() => window.__fired || []")

    def check(self, where: str) -> None:
        self.page.evaluate(SETTLE_JS)
        assert self.fired() == [], f"{where}: payloads ran: {self.fired()}"
        assert self.dialogs == [], f"{where}: dialogs opened: {self.dialogs}"
        injected = self.page.evaluate(INJECTED_ELEMENTS_JS, list(MARKERS))
        assert injected == [], f"{where}: payload markup became elements: {injected}"
        frames = [f.url for f in self.page.frames if f != self.page.main_frame]
        assert frames == [], f"{where}: a payload made a frame: {frames}"

    def prove_it_sees(self) -> None:
        """A positive control: the watch notices a payload that does run (and a dialog), then is reset."""
        self.page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=window.__xss(0)>')")
        self.page.wait_for_function("() => (window.__fired || []).includes(0)")
        assert self.page.evaluate(INJECTED_ELEMENTS_JS, list(MARKERS)) != []
        with self.page.expect_event("dialog"):
            self.page.evaluate("() => { setTimeout(() => alert(0)); }")
        assert self.dialogs, "the dialog listener saw nothing"
        self.dialogs.clear()
        self.page.reload()
        assert self.fired() == []


def _csp_directive(policy: str, name: str) -> str | None:
    for directive in policy.split(";"):
        parts = directive.split()
        if parts and parts[0] == name:
            return " ".join(parts[1:])
    return None


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit]


def _per_payload_ticket(payload, *, agent, supervisor, staff_a, branch_a):
    """One ticket carrying `payload` in every free-text field, taken through part of the workflow so that each
    field that only appears at some step (instructions, findings, review note, escalation, accountability,
    satisfaction comment, ...) is stored: n % 3 == 0 waits on the branch, 1 was returned to it, 2 is closed."""
    from brokerdesk.tickets import attachments, services

    p, n = payload.text, payload.n
    regulator = n % 2 == 0
    ticket = services.ticket_create(actor=agent, accept=True, data=services.TicketInput(
        kind="regulator_referral" if regulator else "complaint", channel="regulator" if regulator else "phone",
        subject=p, description=p, contact_name=_fit(p, 60), contact_phone=_fit(p, 30), contact_email=p,
        interaction_ref=_fit(p, 64), source_ref=_fit(p, 120),
        regulator_source="12386" if regulator else "", regulator_ref=_fit(p, 60) if regulator else "",
        regulator_deadline=timezone.now() + timedelta(days=10) if regulator else None))
    services.ticket_note_add(actor=agent, ticket_id=ticket.pk, note=p)
    attachments.attachment_add(actor=agent, ticket_id=ticket.pk, upload=SimpleUploadedFile(
        f"{p}.txt", b"evidence", content_type="text/plain"))
    services.ticket_dispatch(actor=agent, ticket_id=ticket.pk, instructions=p, branch_id=branch_a.pk)
    if n % 3 == 0:
        services.ticket_pause(actor=agent, ticket_id=ticket.pk, reason=p)
        services.ticket_resume(actor=agent, ticket_id=ticket.pk, note=p)
        return ticket
    services.ticket_reply(actor=staff_a, ticket_id=ticket.pk, findings=p, measures=p)
    if n % 3 == 1:
        services.ticket_return(actor=agent, ticket_id=ticket.pk, note=p)
        services.ticket_escalate(actor=supervisor, ticket_id=ticket.pk, reason=p)
        services.accountability_record(actor=supervisor, ticket_id=ticket.pk, staff_name=_fit(p, 60), finding=p,
                                       measure=p)
        services.ticket_handover(actor=agent, ticket_id=ticket.pk, to_staff_id=supervisor.pk, reason=p)
        return ticket
    services.ticket_resolve(actor=agent, ticket_id=ticket.pk, note=p)
    services.ticket_callback_start(actor=agent, ticket_id=ticket.pk)
    services.ticket_satisfaction_record(actor=agent, ticket_id=ticket.pk, satisfaction=2, comment=p)
    return ticket


def test_it_never_runs_script_stored_in_any_ticket_field(open_page, users, org, customer_a, settings, tmp_path):
    from brokerdesk.tickets import services

    settings.ATTACHMENT_DIR = tmp_path / "attachments"
    agent, supervisor, staff_a = users["agent"], users["supervisor"], users["branch_a"]
    per_payload = [(p, _per_payload_ticket(p, agent=agent, supervisor=supervisor, staff_a=staff_a,
                                           branch_a=org["branch_a"])) for p in PAYLOADS]
    # The client's tickets: every payload whole in the subjects (the 360 lists them) and in the long fields.
    for subject in chunks(200):
        ticket = services.ticket_create(actor=agent, accept=True, data=services.TicketInput(
            kind="complaint", channel="phone", subject=subject, description=joined(), customer_id=customer_a.pk))
        services.ticket_note_add(actor=agent, ticket_id=ticket.pk, note=joined())
        services.ticket_dispatch(actor=agent, ticket_id=ticket.pk, instructions=joined(), branch_id=org["branch_a"].pk)

    page = open_page(bypass_csp=True)
    watch = XssWatch(page)
    sign_in_on(page, agent)
    page.goto("/tickets/")
    watch.prove_it_sees()

    # The queue (open tickets and the supervision tickets awaiting reply), then every page of all tickets.
    watch.visit("/tickets/", "the open queue")
    supervision = normalized(page.get_by_test_id("supervision-queue").inner_text())
    shown = [(payload, ticket) for payload, ticket in per_payload if ticket.number in supervision]
    assert shown, "no supervision ticket of the corpus in the supervision queue"  # it lists the first 20
    for payload, _ticket in shown:
        assert normalized(payload.text) in supervision, f"payload {payload.n} not shown as text"
    queue_text = ""
    for number in (1, 2):
        watch.visit(f"/tickets/?status=all&page={number}", f"the queue, page {number}")
        queue_text += normalized(page.get_by_test_id("ticket-queue").inner_text())
    for payload, _ticket in per_payload:
        assert normalized(payload.text) in queue_text, f"subject {payload.n} not shown as text"
        assert normalized(_fit(payload.text, 60)) in queue_text, f"contact name {payload.n} not shown as text"

    # Every ticket page: facts, description, resolution, supervision tickets, history, attachments, escalation.
    for payload, ticket in per_payload:
        watch.visit(f"/tickets/{ticket.pk}/", f"ticket page of payload {payload.n} ({payload.what})")
        text = normalized(payload.text)
        expect(page.get_by_test_id("ticket-number")).to_have_text(ticket.number)
        assert normalized(page.get_by_test_id("ticket-description").inner_text()) == text
        assert text in normalized(page.locator("h1").inner_text())
        history = normalized(page.get_by_test_id("ticket-history").inner_text())
        assert history.count(text) >= 2, f"payload {payload.n}: the note and the instructions in the history"
        assert text in normalized(page.get_by_test_id("supervision-orders").inner_text())
        assert normalized(_fit(payload.text, 64)) in normalized(page.locator("dl.facts").first.inner_text())
        if payload in FILENAME_PAYLOADS:
            expect(page.get_by_test_id("ticket-attachments").locator("a")).to_have_text(
                _stored_filename(payload.text + ".txt"))
        if payload.n % 3 == 2:
            assert text in normalized(page.get_by_test_id("ticket-resolution").inner_text())
    # The template-injection probes come back literally.
    page.goto(f"/tickets/{per_payload[LITERAL[0].n - 1][1].pk}/")
    expect(page.get_by_test_id("ticket-description")).to_have_text(LITERAL[0].text)

    # The customer 360: the tickets section and the contact timeline.
    watch.visit(f"/customers/{customer_a.pk}/", "the customer 360")
    section = normalized(page.get_by_test_id("customer-tickets").inner_text())
    timeline = normalized(page.locator("#timeline").inner_text())
    for payload in PAYLOADS:
        assert normalized(payload.text) in section, f"payload {payload.n} not in the 360's tickets section"
        assert normalized(payload.text) in timeline, f"payload {payload.n} not in the 360's timeline"

    # Branch A staff's queue, where the supervision tickets wait.
    page_a = open_page(bypass_csp=True)
    watch_a = XssWatch(page_a)
    sign_in_on(page_a, staff_a)
    watch_a.visit("/tickets/", "branch A's queue")
    expect(page_a.get_by_test_id("supervision-queue")).to_contain_text(per_payload[0][1].number)


def test_it_never_runs_script_reflected_from_links_or_refused_forms(open_page, users, customer_a, settings):
    from brokerdesk.tickets.models import Ticket

    settings.PUBLIC_FORM_MIN_SECONDS = 0
    settings.PUBLIC_FORM_LIMIT_PER_HOUR = 10_000
    page = open_page(bypass_csp=True)
    watch = XssWatch(page)
    sign_in_on(page, users["agent"])
    page.goto("/tickets/")
    watch.prove_it_sees()

    # ?call= from the screen-pop, and the queue's search (echoed in the box and in the pager's links).
    for payload in PAYLOADS:
        if payload.fits(64):
            watch.visit(f"/tickets/new/?customer={customer_a.pk}&call={_quote(payload.text)}",
                        f"?call= with payload {payload.n}")
            expect(page.locator("input[name=interaction_ref]")).to_have_value(_input_value(payload.text))
        if payload.fits(60):
            watch.visit(f"/tickets/?q={_quote(payload.text)}&page=2", f"?q= with payload {payload.n}")
            expect(page.locator("input[name=q]")).to_have_value(_input_value(payload.text))

    # The staff form, refused by the service (a promised time in the past) and shown again with its values.
    page.goto(f"/tickets/new/?customer={customer_a.pk}")
    form = page.get_by_test_id("ticket-form")
    values = {"subject": EXECUTABLE[4].text, "contact_name": EXECUTABLE[5].text,
              "interaction_ref": EXECUTABLE[8].text, "contact_phone": EXECUTABLE[2].text[:30]}
    for name, value in values.items():
        form.locator(f"input[name={name}]").fill(value)
    form.locator("textarea[name=description]").fill(joined())
    form.locator("input[name=committed_resolution_at]").fill("2020-01-02T10:00")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        form.locator("button").click()
    assert posted.value.status == 422
    page.wait_for_load_state()
    watch.check("the refused staff form")
    form = page.get_by_test_id("ticket-form")
    expect(form.locator(".error")).not_to_have_count(0)
    for name, value in values.items():
        expect(form.locator(f"input[name={name}]")).to_have_value(value)
    assert normalized(form.locator("textarea[name=description]").input_value()) == normalized(joined())
    assert not Ticket.objects.exists()

    # The public form after a failed submit (an invalid email), payloads in every field.
    page.goto("/feedback/")
    public = page.get_by_test_id("public-form")
    values = {"name": EXECUTABLE[0].text[:60], "phone": EXECUTABLE[1].text[:30], "email": EXECUTABLE[6].text,
              "subject": EXECUTABLE[9].text}
    for name, value in values.items():
        public.locator(f"input[name={name}]").fill(value)
    public.locator("textarea[name=description]").fill(joined())
    public.evaluate("(form) => { form.noValidate = true; }")  # a script posts past the browser's checks
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        public.locator("button").click()
    assert posted.value.status == 422
    page.wait_for_load_state()
    watch.check("the refused public form")
    public = page.get_by_test_id("public-form")
    expect(public.locator("label:has([name=email]) .error")).to_be_visible()
    for name, value in values.items():
        expect(public.locator(f"input[name={name}]")).to_have_value(value)
    assert normalized(public.locator("textarea[name=description]").input_value()) == normalized(joined())
    assert not Ticket.objects.exists()


def _stored_filename(name: str) -> str:
    """An attachment's name as the app keeps it, spelled out here: printable characters, no quotes or slashes."""
    return "".join(ch for ch in name if ch.isprintable() and ch not in '/\\"')


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _input_value(text: str) -> str:
    """What a one-line <input> keeps of a value: browsers drop newlines (and carriage returns)."""
    return text.replace("\r", "").replace("\n", "")


def test_it_serves_uploaded_html_and_svg_as_sandboxed_downloads(
    page, sign_in, open_page, users, customer_a, settings, tmp_path
):
    from brokerdesk.tickets import services

    settings.ATTACHMENT_DIR = tmp_path / "attachments"
    ticket = services.ticket_create(actor=users["agent"], accept=True, data=services.TicketInput(
        kind="complaint", channel="phone", subject="附件检查", description="客户提交的材料", customer_id=customer_a.pk))
    files = [
        {"name": "x.html", "mimeType": "text/html", "buffer": b"<script>window.__xss(999)</script><p>page</p>"},
        {"name": "y.svg", "mimeType": "image/svg+xml",
         "buffer": b'<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss(998)"><script>window.__xss(997)'
                   b"</script></svg>"},
        {"name": "z.txt", "mimeType": "text/plain", "buffer": b"<script>window.__xss(996)</script> plain text"},
    ]
    watch = XssWatch(page)
    sign_in(users["agent"])
    page.goto(f"/tickets/{ticket.pk}/")
    listed = page.get_by_test_id("ticket-attachments").locator("a")
    for i, upload in enumerate(files, start=1):
        attach = page.locator("form:has(button[data-action=attach])")
        attach.locator("input[name=file]").set_input_files(files=[upload])
        attach.locator("button[data-action=attach]").click()
        expect(listed).to_have_count(i)
    watch.check("the ticket page with the uploads")
    hrefs = {name: listed.filter(has_text=name).get_attribute("href") for name in ("x.html", "y.svg", "z.txt")}

    for name in ("x.html", "y.svg"):
        with page.expect_download() as download_info:
            listed.filter(has_text=name).click()
        download = download_info.value
        assert download.suggested_filename == name
        assert page.url.endswith(f"/tickets/{ticket.pk}/"), "the download must not replace the page"
        watch.check(f"after downloading {name}")
        headers = _headers(page, hrefs[name])
        assert headers["status"] == 200
        assert headers["content-disposition"].startswith("attachment"), headers
        assert headers["content-type"] == "application/octet-stream", headers
        _assert_sandboxed(headers)

    # Plain text is shown in the browser, as text, sandboxed and never sniffed into HTML.
    headers = _headers(page, hrefs["z.txt"])
    assert headers["content-type"].startswith("text/plain") and headers["content-disposition"].startswith("inline")
    _assert_sandboxed(headers)
    response = page.goto(hrefs["z.txt"])
    assert response.status == 200
    expect(page.locator("body")).to_contain_text("<script>window.__xss(996)</script> plain text")
    assert page.locator("script").count() == 0
    assert page.evaluate("() => window.__fired || []") == [] and watch.dialogs == []

    # Another branch's staff get the same 404 for the file as for the ticket.
    page_b = open_page()
    sign_in_on(page_b, users["branch_b"])
    assert _headers(page_b, hrefs["x.html"])["status"] == 404


def _headers(page, url: str) -> dict:
    """The response's status and headers, fetched from the page (same origin, with the session)."""
    return page.evaluate("""async (url) => {
        const r = await fetch(url, {credentials: "same-origin"});
        const headers = {status: r.status};
        r.headers.forEach((value, name) => { headers[name] = value; });
        return headers;
    }""", url)


def _assert_sandboxed(headers: dict) -> None:
    policy = headers.get("content-security-policy", "")
    assert "sandbox" in policy and "default-src 'none'" in policy, headers
    assert headers.get("x-content-type-options") == "nosniff", headers


# --- 3. The public form on a phone ---------------------------------------------------------------------------


def test_it_takes_a_complaint_on_a_phone_sized_public_form(open_page, live_server, settings):
    from brokerdesk.tickets.choices import TicketChannel, TicketStatus
    from brokerdesk.tickets.models import Ticket

    settings.PUBLIC_FORM_MIN_SECONDS = 0
    settings.PUBLIC_FORM_LIMIT_PER_HOUR = 10_000
    width = 390
    phone = open_page(viewport={"width": width, "height": 844}, is_mobile=True, has_touch=True,
                      device_scale_factor=3)
    response = phone.goto("/feedback/")
    assert response.status == 200
    form = phone.get_by_test_id("public-form")
    expect(form).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    for name in ("kind", "name", "phone", "email", "subject", "description"):
        field = form.locator(f"[name={name}]")
        expect(field).to_be_visible()
        box = field.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{name} does not fit the screen: {box}"
    honeypot = form.locator("input[name=website]").bounding_box()
    assert honeypot is None or honeypot["x"] + honeypot["width"] <= 0, "the honeypot is on screen"
    required = ("name", "phone", "subject", "description")

    # Empty: the browser's own checks stop the submit.
    phone.evaluate("window.__sameDocument = true")
    form.locator("button").tap()
    assert phone.evaluate(f"document.querySelector('[name={required[0]}]').validity.valueMissing")
    assert phone.evaluate("window.__sameDocument === true"), "an empty form must not be sent"

    # Blank (spaces): the server refuses and shows each error beside its field.
    for name in required:
        form.locator(f"[name={name}]").fill("   ")
    with phone.expect_response(lambda r: r.request.method == "POST") as posted:
        form.locator("button").tap()
    assert posted.value.status == 422
    form = phone.get_by_test_id("public-form")
    for name in required:
        expect(form.locator(f"label:has([name={name}]) .error")).to_be_visible()
    expect(form.locator("label:has([name=email]) .error")).to_have_count(0)
    assert phone.evaluate("document.documentElement.scrollWidth") <= width
    assert not Ticket.objects.exists()

    # Valid: the thank-you page with the reference.
    form.locator("select[name=kind]").select_option("complaint")
    form.locator("[name=name]").fill("李女士")
    form.locator("[name=phone]").fill("13912345678")
    form.locator("[name=email]").fill("li@example.com")
    form.locator("[name=subject]").fill("手机App登录后行情不刷新")
    form.locator("[name=description]").fill("从昨天开始，手机App登录后自选股行情一直不刷新，重装也没用。")
    form.locator("button").tap()
    done = phone.get_by_test_id("public-done")
    expect(done).to_be_visible()
    expect(done).to_contain_text(re.compile(r"TK\d{15}"))
    number = re.search(r"TK\d{15}", done.inner_text()).group(0)
    assert phone.evaluate("document.documentElement.scrollWidth") <= width
    ticket = Ticket.objects.get(number=number)
    assert (ticket.channel, ticket.status, ticket.kind) == (TicketChannel.WEB, TicketStatus.NEW, "complaint")
    assert (ticket.contact_name, ticket.subject) == ("李女士", "手机App登录后行情不刷新")
