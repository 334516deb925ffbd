"""The contact-center journey (issue 8, "must show"): two agents in two centers at their desktops; `pbx-sim` offers
a call from a branch-A client; it pops on the local sub-center's agent with the client's masked 360; that agent
transfers to HQ with a note; the HQ agent's desktop pops with the context and the note; after the call the
interaction is on the client's timeline.

WebSockets need an ASGI server, and pytest-django's live_server is WSGI only: uvicorn serves brokerdesk.asgi in
a thread of this process (so it uses the test database, and sees what the test commits), on a free loopback port.
pbx-sim runs as a real subprocess against it, through the signed telephony API.
"""

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import _close_checked, _new_page, sign_in_on
from tests.processes import brokerdesk_command, free_port

pytestmark = pytest.mark.browser
WAIT_MS = 30_000


@dataclass
class Server:
    url: str


@pytest.fixture
def asgi_server(transactional_db):
    import uvicorn

    from brokerdesk.asgi import application

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def two_desks(org, users, customer_a):
    from brokerdesk.contact_center.models import AgentProfile, AgentSkill, Skill
    from brokerdesk.contact_center.tests.support import open_around_the_clock
    from brokerdesk.org.choices import Role, Scope
    from tests.factories import make_staff

    open_around_the_clock()
    hq_agent = make_staff("t_hq_agent", Role.AGENT, scope=Scope.CENTER, center=org["hq"])
    general = Skill.objects.get(code="general")
    local = AgentProfile.objects.create(staff=users["agent"], center=org["center"], extension="8001")
    remote = AgentProfile.objects.create(staff=hq_agent, center=org["hq"], extension="9001")
    for profile in (local, remote):
        AgentSkill.objects.create(agent=profile, skill=general, level=3)
    return {"local": users["agent"], "remote": hq_agent, "phone": customer_a.phones.first().number}


class PbxSim:
    """`brokerdesk pbx-sim ... call` in its own process; its JSON lines are read in a thread."""

    def __init__(self, url: str, caller: str):
        self.events: list[dict] = []
        self.process = subprocess.Popen(
            [brokerdesk_command(), "pbx-sim", "--url", url, "--secret", settings.TELEPHONY_SECRET, "call",
             "--caller", caller, "--ivr", "2", "--answer-after", "1", "--talk", "600"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            line = line.strip()
            if line.startswith("{"):
                self.events.append(json.loads(line))

    def wait_for(self, predicate, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((e for e in self.events if predicate(e)), None)
            if found is not None:
                return found
            if self.process.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.1)
        raise AssertionError(f"pbx-sim never reported it; events: {self.events}; "
                             f"stderr: {self.process.stderr.read() if self.process.poll() is not None else ''}")

    def hang_up(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.reader.join(timeout=5)


def _ready(page) -> None:
    """At the desktop, socket open, logged in as available."""
    page.goto("/cc/desk/")
    expect(page.get_by_test_id("desk-socket")).to_have_attribute("data-state", "open", timeout=WAIT_MS)
    page.get_by_test_id("state-available").click()
    expect(page.get_by_test_id("agent-state")).to_have_attribute("class", "badge cc-state-available")


def test_it_pops_the_call_locally_and_carries_the_context_to_hq(browser, asgi_server, two_desks, customer_a,
                                                               request):
    from brokerdesk.contact_center.models import Interaction
    from brokerdesk.core.masking import mask_id_number

    masked_id = mask_id_number(customer_a.id_number)
    local = _new_page(browser, asgi_server)
    remote = _new_page(browser, asgi_server)
    pbx = None
    try:
        sign_in_on(local, two_desks["local"])
        sign_in_on(remote, two_desks["remote"])
        _ready(local)
        _ready(remote)

        pbx = PbxSim(asgi_server.url, two_desks["phone"])
        assert pbx.wait_for(lambda e: e.get("event") == "ringing")["extension"] == "8001"

        # The local sub-center's agent: the screen-pop with the masked 360, then the PBX's pick-up.
        pop = local.get_by_test_id("screen-pop")
        expect(pop.get_by_test_id("pop-id-number")).to_have_text(masked_id, timeout=WAIT_MS)
        expect(pop).not_to_contain_text(customer_a.id_number)
        expect(pop).to_contain_text(customer_a.home_branch.name)
        expect(remote.get_by_test_id("no-call")).to_be_visible()
        expect(local.get_by_test_id("call-connected")).to_be_visible(timeout=WAIT_MS)

        # Transfer to HQ with a note.
        form = local.get_by_test_id("transfer-form")
        form.get_by_test_id("transfer-target").select_option("center")
        form.get_by_test_id("transfer-center").select_option(str(two_desks["remote"].center_id))
        form.get_by_test_id("transfer-note").fill("客户咨询港股通开通条件，已核实身份，请总部继续处理")
        form.get_by_test_id("transfer-submit").click()
        expect(local.get_by_test_id("wrap-up-form")).to_be_visible(timeout=WAIT_MS)

        # HQ: the pop carries the 360 and the note; the PBX follows the transfer and HQ picks up.
        hq_pop = remote.get_by_test_id("screen-pop")
        expect(hq_pop.get_by_test_id("pop-id-number")).to_have_text(masked_id, timeout=WAIT_MS)
        expect(hq_pop.get_by_test_id("transfer-context")).to_contain_text("请总部继续处理")
        expect(hq_pop.get_by_test_id("transfer-context")).to_contain_text(str(two_desks["local"]))
        pbx.wait_for(lambda e: e.get("event") == "answered" and e.get("extension") == "9001")
        expect(remote.get_by_test_id("call-connected")).to_be_visible(timeout=WAIT_MS)

        # The caller hangs up; HQ wraps up.
        pbx.hang_up()
        expect(remote.get_by_test_id("wrap-up-form")).to_be_visible(timeout=WAIT_MS)
        remote.get_by_test_id("wrap-up-form").locator("select[name=code]").select_option("permission")
        remote.get_by_test_id("wrap-up-submit").click()
        expect(remote.get_by_test_id("agent-state")).to_have_attribute("class", "badge cc-state-available")

        # The interaction is on the client's timeline.
        interaction = Interaction.objects.get(call__caller_number=two_desks["phone"])
        remote.goto(f"/customers/{customer_a.pk}/")
        expect(remote.locator(f"#timeline a[href='/cc/interactions/{interaction.pk}/']")).to_be_visible()
        remote.locator(f"#timeline a[href='/cc/interactions/{interaction.pk}/']").click()
        expect(remote.get_by_test_id("interaction-legs")).to_contain_text(str(two_desks["remote"].center))
    finally:
        if pbx is not None:
            pbx.hang_up()
        for i, opened in enumerate((local, remote)):
            _close_checked(opened, request, f"{request.node.name}-{i + 1}")
