"""bench/routing, part 2 (run in its own process by bench.routing): `services.calls.call_offer` on a small database.

    DATABASE_URL=... python -m bench.routing.service --calls 2000

Migrates the (empty) database, creates HQ + 27 sub-centers with a branch each, clients with phones and three
available agents per center (general, VIP and complaint skills), then offers calls one by one and times each
call_offer: identify the caller by phone (CustomerPhone index, the VIP check: tier memberships and packages), the
Router (cached configuration) with the DatabaseLiveView (one grouped query), and the writes (Call, its leg, the
agent set ringing, audit records) in one transaction. Each call is then ended (not timed) so agents free up.
Prints one JSON line.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

WARM_UP = 50


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brokerdesk.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import NotSupportedError, connection

    call_command("migrate", verbosity=0, interactive=False)
    data = _create(args.clients)
    from brokerdesk.contact_center.services.calls import call_ended, call_offer

    rng = random.Random(args.seed)
    at = datetime(2026, 11, 17, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    keys = ["2"] * 6 + ["0", "3", "5", "6"]
    times, actions = [], {}
    end_failed = None
    for i in range(args.calls + WARM_UP):
        known = rng.random() < 0.7
        number = rng.choice(data["phones"]) if known else f"139{rng.randrange(10**8):08d}"
        ref = f"bench-{i}"
        when = at + timedelta(seconds=i * 2)
        started = time.perf_counter()
        answer = call_offer(call_ref=ref, caller_number=number, dialled_number="95500", ivr=[rng.choice(keys)],
                            at=when)
        elapsed = time.perf_counter() - started
        try:
            call_ended(call_ref=ref, at=when + timedelta(seconds=1))
        except NotSupportedError as error:  # reported: _call_for_update's FOR UPDATE over outer joins (PostgreSQL)
            end_failed = str(error)
            _reset(ref)
        if i >= WARM_UP:
            times.append(elapsed * 1000)
            actions[answer.action] = actions.get(answer.action, 0) + 1
    times.sort()
    print(json.dumps({
        "db": connection.vendor, "calls": len(times), "warm_up": WARM_UP, "clients": args.clients,
        "centers": data["centers"], "agents": data["agents"], "actions": actions,
        "p50_ms": round(statistics.median(times), 3), "p99_ms": round(times[int(len(times) * 0.99) - 1], 3),
        "max_ms": round(times[-1], 3), "mean_ms": round(statistics.fmean(times), 3),
        "call_ended_failed": end_failed,
    }))
    return 0


def _reset(ref: str) -> None:
    """Untimed: end the call and free its agent without the service (when call_ended fails)."""
    from brokerdesk.contact_center.choices import AgentState, CallStatus
    from brokerdesk.contact_center.models import AgentProfile, Call

    call = Call.objects.get(call_ref=ref)
    if call.agent_id:
        AgentProfile.objects.filter(staff_id=call.agent_id).update(state=AgentState.AVAILABLE, current_call=None)
    Call.objects.filter(pk=call.pk).update(status=CallStatus.ABANDONED, agent=None)


def _create(clients: int) -> dict:
    from django.db import transaction

    from brokerdesk.contact_center.choices import AgentState
    from brokerdesk.contact_center.models import AgentProfile, AgentSkill, Skill
    from brokerdesk.contact_center.seed import seed_if_empty
    from brokerdesk.org.choices import Role, Scope
    from tests.factories import BranchFactory, CenterFactory, CompanyFactory, make_customer, make_staff

    with transaction.atomic():
        company = CompanyFactory()
        centers = [CenterFactory(company=company, code="HQ", name="总部客服中心", kind="hq")]
        centers += [CenterFactory(company=company, code=f"SC-{i:02d}", name=f"分中心{i:02d}")
                    for i in range(1, 28)]
        branches = [BranchFactory(company=company, code=f"B{i:03d}", name=f"营业部{i:03d}", serving_center=center)
                    for i, center in enumerate(centers[1:], start=1)]
        seed_if_empty()
        skills = list(Skill.objects.filter(code__in=["general", "vip", "complaints"]))
        agents = 0
        now = datetime(2026, 11, 17, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        for center in centers:
            for j in range(3):
                staff = make_staff(f"agent_{center.code}_{j}", Role.AGENT, scope=Scope.CENTER, center=center)
                profile = AgentProfile.objects.create(staff=staff, center=center, extension=f"{center.pk:03d}{j}",
                                                      state=AgentState.AVAILABLE, available_since=now)
                AgentSkill.objects.bulk_create([AgentSkill(agent=profile, skill=s) for s in skills])
                agents += 1
        phones = []
        for i in range(clients):
            customer = make_customer(branches[i % len(branches)])
            phones.append(customer.phones.first().number)
    return {"centers": len(centers), "agents": agents, "phones": phones}


if __name__ == "__main__":
    sys.exit(main())
