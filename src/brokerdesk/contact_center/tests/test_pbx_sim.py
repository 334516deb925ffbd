"""pbx-sim against the live server: one call rings the local agent, follows a transfer and ends on SIGTERM (run
as its own process, as the browser test runs it); a short simulated day completes and reports."""

import json
import os
import queue
import signal
import subprocess
import threading
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from brokerdesk.contact_center.choices import AgentState, CallStatus, TransferTarget
from brokerdesk.contact_center.models import AgentProfile, Call, CallEvent
from brokerdesk.contact_center.services.agents import agent_state_set
from brokerdesk.contact_center.services.calls import call_transfer
from brokerdesk.contact_center.tests.telephony_support import (
    open_around_the_clock,
)
from tests.processes import brokerdesk_command

pytestmark = pytest.mark.django_db(transaction=True)
DEADLINE = 60  # seconds: a bound for a hung process, not a timing assertion


class SimProcess:
    """`brokerdesk pbx-sim ... call` as a process; its JSON lines read by a thread."""

    def __init__(self, *args: str):
        command = [brokerdesk_command(), "pbx-sim", *args]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "brokerdesk.settings"}
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # noqa: S603
                                        text=True, env=env)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(json.loads(line))
        self.lines.put(None)

    def until(self, event: str, **fields) -> dict:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"pbx-sim ended before {event}: {self.process.stderr.read()}")
            if line["event"] == event and all(line.get(k) == v for k, v in fields.items()):
                return line
        raise AssertionError(f"no {event} from pbx-sim")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=DEADLINE)


def _log_in(*profiles):
    for profile in profiles:
        agent_state_set(actor=profile.staff, agent=profile, state=AgentState.AVAILABLE)


def test_it_rings_the_local_agent_follows_a_transfer_and_ends_on_sigterm(live_server, floor):
    open_around_the_clock()
    _log_in(floor["local"], floor["remote"])
    sim = SimProcess("--url", live_server.url, "--secret", settings.TELEPHONY_SECRET, "call", "--caller",
                     floor["phone"], "--ivr", "2", "--answer-after", "0.2", "--ref", "browser-1")
    try:
        ringing = sim.until("ringing")
        assert (ringing["extension"], ringing["call_ref"], ringing["center"]) == ("8001", "browser-1", "SC-GD")
        sim.until("answered", extension="8001")
        call = Call.objects.get(call_ref="browser-1")
        assert call.status == CallStatus.ANSWERED and call.customer_id is not None
        call_transfer(actor=floor["local"].staff, call=call, target=TransferTarget.CENTER, center=floor["hq"],
                      note="转总部")
        transfer = sim.until("transfer")
        assert transfer["target"] == {"type": "agent", "extension": "9001"}
        sim.until("ringing", extension="9001")
        sim.until("answered", extension="9001")
        assert sim.stop() == 0
        assert sim.until("ended")["status"] == "ended"
    finally:
        sim.stop()
    call.refresh_from_db()
    assert (call.status, call.agent) == (CallStatus.ENDED, floor["hq_agent"])
    assert CallEvent.objects.filter(call=call, kind="transferred").count() == 1
    assert AgentProfile.objects.get(extension="9001").state == AgentState.WRAP_UP


def test_it_replays_a_short_day_and_reports_per_center(live_server, floor):
    out = StringIO()
    call_command("pbx_sim", "--url", live_server.url, "--concurrency", "4", "day", "--calls", "6", "--speed",
                 "3000", "--seed", "7", "--agents-per-center", "1", "--date", "2026-11-17", "--json", stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["calls"] == 6 and summary["agents"] == 2 and summary["errors"] == 0
    assert sum(summary["outcomes"].values()) == 6
    assert set(summary["centers"]) <= {"SC-GD", "HQ", "-"}
    for figures in summary["centers"].values():
        assert figures["answered"] + figures["abandoned"] + figures["callbacks"] <= figures["offered"]
    calls = Call.objects.filter(call_ref__startswith="sim-")
    assert calls.count() == 6
    assert not calls.filter(status__in=(CallStatus.QUEUED, CallStatus.RINGING, CallStatus.ANSWERED)).exists()
    assert {c.offered_at.date().isoformat() for c in calls} == {"2026-11-17"}
    assert set(AgentProfile.objects.values_list("state", flat=True)) == {AgentState.OFFLINE}
