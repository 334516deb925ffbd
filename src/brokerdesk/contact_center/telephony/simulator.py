"""pbx-sim: a PBX played over the signed telephony API (docs/telephony.md), for demos, browser tests and load.

Two modes (management command `brokerdesk pbx-sim`):
- call: ONE call, as a PBX would carry it: offer, hold and ask again while queued, ring the extension it is
  given, report the answer, follow transfer commands, report the end after the talk time or on SIGTERM/SIGINT.
  One JSON line per event on stdout. It never touches the database: it may run against any server.
- day: a day of calls (arrival profile 9:00-21:00 peaking mid-morning and early afternoon; callers drawn from
  the clients' phones plus unknown numbers; exponential patience and talk times), K agents per center logged in
  and out with agents/state events, answering after a short delay, wrapping up, becoming available again.
  Time runs `speed` times faster than real time and skips quiet stretches when no call and no wrap-up is under
  way; every event carries `at` = the simulated time, so brokerdesk's figures follow the simulated clock. It
  reads the agents' extensions and the clients' phones from the database (it runs inside Django) before the
  simulation starts; it creates nothing itself.

Nothing here imports Django at module level except what the day's preparation needs (read in day_prepare()).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import signal
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import httpx

from brokerdesk.contact_center.telephony.signing import signed_headers

API_PREFIX = "/api/v1/telephony"
SHANGHAI = ZoneInfo("Asia/Shanghai")
SERVICE_LEVEL_SECONDS = 20
# Share of the day's calls in each hour from 9:00 to 20:00: peaks mid-morning and early afternoon.
HOURLY_PROFILE = (0.07, 0.12, 0.13, 0.10, 0.05, 0.09, 0.12, 0.10, 0.08, 0.06, 0.05, 0.03)
# IVR keys callers press (seeded menu: 1 self-service, 2 general, 3 margin, 4 options, 5 funds, 6 complaints,
# 7 callback, 8 voicemail, 9 English, 0 general).
IVR_WEIGHTS = {"2": 60, "0": 8, "3": 8, "4": 5, "5": 5, "6": 4, "1": 4, "7": 2, "8": 1, "9": 3}


class SimError(Exception):
    """The server refused an event: status and its error body."""

    def __init__(self, status: int, body):
        self.status, self.body = status, body
        super().__init__(f"{status} {body}")


class TelephonyClient:
    """Signed requests to the telephony API, at most `concurrency` at a time, retried (signed again) on network
    errors and 5xx: the event ids make retries safe."""

    def __init__(self, base_url: str, secret: str, *, concurrency: int = 16, timeout: float = 30.0, retries: int = 3):
        self.base_url = base_url.rstrip("/")
        self.prefix = urlsplit(self.base_url).path.rstrip("/") + API_PREFIX
        self.secret = secret
        self.retries = retries
        self.http = httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(max_connections=concurrency))
        self.limit = asyncio.Semaphore(concurrency)
        self.requests = 0

    async def close(self) -> None:
        await self.http.aclose()

    async def post(self, endpoint: str, body: dict, *, at: Callable[[], datetime] | None = None) -> dict:
        """POST an event; `at` (a clock) stamps it when it is actually sent."""
        return await self._send("POST", endpoint, body=body, at=at)

    async def get(self, endpoint: str, params: dict):
        return await self._send("GET", endpoint, params=params)

    async def _send(self, method: str, endpoint: str, *, body: dict | None = None, params: dict | None = None,
                    at: Callable[[], datetime] | None = None):
        query = urlencode({k: v for k, v in (params or {}).items() if v not in (None, "")})
        path = f"{self.prefix}/{endpoint}" + (f"?{query}" if query else "")
        async with self.limit:
            if at is not None:
                body = {**body, "at": at().isoformat()}
            content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() if body is not None else b""
            for attempt in range(self.retries + 1):
                headers = signed_headers(self.secret, method, path, content)
                if content:
                    headers["Content-Type"] = "application/json"
                try:
                    self.requests += 1
                    response = await self.http.request(method, _join(self.base_url, path), content=content,
                                                       headers=headers)
                except httpx.TransportError:
                    if attempt == self.retries:
                        raise
                    await asyncio.sleep(0.2 * (attempt + 1))
                    continue
                if response.status_code >= 500 and attempt < self.retries:
                    await asyncio.sleep(0.2 * (attempt + 1))
                    continue
                break
        try:
            data = response.json()
        except ValueError:
            data = {"error": {"code": "not_json", "message": response.text[:200]}}
        if response.status_code != 200:
            raise SimError(response.status_code, data)
        return data


def _join(base_url: str, path: str) -> str:
    """The absolute URL of a signed path (which already carries the base URL's own path, if any)."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}{path}"


# --- one call -------------------------------------------------------------------------------------------------


@dataclass
class CallOptions:
    caller: str
    dialled: str = "95xxx"
    ivr: tuple[str, ...] = ("2",)
    answer_after: float = 1.0
    talk: float = 600.0
    ref: str = ""
    poll_seconds: float = 1.0


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to `seconds`; True when stopped meanwhile."""
    if seconds <= 0:
        return stop.is_set()
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True


async def call_run(client: TelephonyClient, options: CallOptions, emit: Callable[[dict], None],
                   stop: asyncio.Event) -> dict:
    """Carry one call through the API (see the module docstring). Returns the last event emitted."""
    ref = options.ref or f"sim-{uuid.uuid4().hex[:20]}"
    serial = iter(range(1, 10_000))

    def event_id(kind: str) -> str:
        return f"{ref}:{kind}:{next(serial)}"

    async def post(endpoint: str, kind: str, **fields) -> dict:
        return await client.post(endpoint, {"event_id": event_id(kind), "call_ref": ref, **fields})

    emit({"event": "offered", "call_ref": ref, "caller": options.caller, "dialled": options.dialled,
          "ivr": list(options.ivr)})
    answer = await post("calls/offered", "offered", caller=options.caller, dialled=options.dialled,
                        ivr=list(options.ivr))
    talking_since: float | None = None
    last_command = 0
    while True:
        action = answer["action"]
        if action in ("queue", "offer_callback"):
            emit({"event": "queued" if action == "queue" else "callback_offered", "call_ref": ref,
                  "center": answer["center"], "skill": answer["skill"], "recheck_after": answer["recheck_after"]})
            if await _wait(stop, float(answer.get("recheck_after") or 3.0)):
                break
            answer = await post("calls/route", "route")
            continue
        if action == "agent":
            extension = answer["extension"]
            emit({"event": "ringing", "extension": extension, "call_ref": ref, "center": answer["center"],
                  "reason": answer["reason"]})
            if await _wait(stop, options.answer_after):
                break
            state = await post("calls/answered", "answered", extension=extension)
            emit({"event": "answered", "extension": extension, "call_ref": ref, "center": state["center"]})
            talking_since = talking_since or time.monotonic()
            answer = None
            while answer is None:
                remaining = options.talk - (time.monotonic() - talking_since)
                if remaining <= 0 or await _wait(stop, min(options.poll_seconds, remaining)):
                    break
                commands = await client.get("commands", {"after": last_command, "call_ref": ref})
                for command in commands:
                    last_command = max(last_command, command["id"])
                    if command["kind"] != "transfer" or answer is not None:
                        continue
                    emit({"event": "transfer", "call_ref": ref, "command_id": command["id"],
                          "target": command["target"]})
                    confirmed = await post("calls/transferred", "transferred", command_id=command["id"])
                    emit({"event": "transferred", "call_ref": ref, "command_id": command["id"]})
                    answer = confirmed["next"]
                    if command["target"].get("type") == "number":
                        emit({"event": "transferred_out", "call_ref": ref, "number": command["target"]["number"]})
                        answer = {"action": "none"}
            if answer is None:
                break
            continue
        if action in ("callback", "voicemail"):
            recording = f"sim/voicemail/{ref}.wav" if action == "voicemail" else ""
            await post("calls/callback", "callback", kind=action, recording_ref=recording)
            emit({"event": action, "call_ref": ref})
        elif action == "self_service":
            emit({"event": "self_service", "call_ref": ref})
        break
    state = await post("calls/ended", "ended")
    last = {"event": "ended", "call_ref": ref, "status": state["status"]}
    emit(last)
    return last


def install_stop_signals(stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT end the call (reported to brokerdesk) instead of killing the process."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
            loop.add_signal_handler(sig, stop.set)


# --- a day ----------------------------------------------------------------------------------------------------


@dataclass
class DayPlan:
    day: date
    agents: dict[str, list[str]]  # center code -> extensions the simulation logs in
    phones: list[str]
    ring_timeout: float = 15.0
    calls: int = 300
    seed: int = 1
    unknown_share: float = 0.25
    patience_mean: float = 90.0
    talk_mean: float = 180.0
    answer_delay: float = 3.0
    wrap_up: float = 20.0
    self_service: float = 60.0
    callback_accept: float = 0.5
    opens: int = 9
    closes: int = 21


@dataclass
class CenterFigures:
    offered: int = 0
    answered: int = 0
    answered_in_time: int = 0
    abandoned: int = 0
    callbacks: int = 0
    wait_total: float = 0.0

    def as_dict(self) -> dict:
        decided = self.answered + self.abandoned
        return {"offered": self.offered, "answered": self.answered, "abandoned": self.abandoned,
                "callbacks": self.callbacks,
                "service_level": round(self.answered_in_time / decided, 3) if decided else None,
                "abandon_rate": round(self.abandoned / self.offered, 3) if self.offered else None,
                "asa_seconds": round(self.wait_total / self.answered, 1) if self.answered else None}


class SimClock:
    """Simulated seconds since the day's start: `speed` times real time, plus the quiet stretches skipped."""

    def __init__(self, start: datetime, speed: float):
        self.start, self.speed = start, speed
        self.real0 = time.monotonic()
        self.skipped = 0.0

    def now(self) -> float:
        return (time.monotonic() - self.real0) * self.speed + self.skipped

    def at(self) -> datetime:
        return self.start + timedelta(seconds=self.now())

    def skip_to(self, target: float) -> None:
        if target > self.now():
            self.skipped += target - self.now()

    async def until(self, target: float) -> None:
        while (left := target - self.now()) > 0:
            await asyncio.sleep(min(left / self.speed, 0.05))

    async def sleep(self, seconds: float) -> None:
        await self.until(self.now() + seconds)


def arrivals(plan: DayPlan, rng: random.Random) -> list[float]:
    """Seconds after the day's start (midnight) at which the calls arrive, in order."""
    hours = list(range(plan.opens, plan.closes))
    weights = list(HOURLY_PROFILE[:len(hours)]) + [HOURLY_PROFILE[-1]] * max(0, len(hours) - len(HOURLY_PROFILE))
    return sorted(rng.choices(hours, weights)[0] * 3600 + rng.uniform(0, 3600) for _ in range(plan.calls))


def day_prepare(*, day: date | None, calls: int, seed: int, agents_per_center: int) -> DayPlan:
    """Read what the day needs from the database: agents (K per center, not ringing or on a call), clients'
    phones, the ring timeout; the day defaults to the last working day before today."""
    from django.utils import timezone

    from brokerdesk.contact_center.choices import AgentState
    from brokerdesk.contact_center.models import AgentProfile
    from brokerdesk.contact_center.routing.config import routing_settings
    from brokerdesk.core import calendar
    from brokerdesk.customers.models import CustomerPhone

    if day is None:
        day = timezone.localdate() - timedelta(days=1)
        while not calendar.is_working_day(day):
            day -= timedelta(days=1)
    agents: dict[str, list[str]] = defaultdict(list)
    profiles = (AgentProfile.objects.exclude(state__in=(AgentState.RINGING, AgentState.ON_CALL))
                .order_by("center__code", "extension").values_list("center__code", "extension"))
    for center, extension in profiles:
        if len(agents[center]) < agents_per_center:
            agents[center].append(extension)
    phones = list(CustomerPhone.objects.order_by("pk").values_list("number", flat=True)[:20_000])
    return DayPlan(day=day, agents=dict(agents), phones=phones, calls=calls, seed=seed,
                   ring_timeout=float(routing_settings().ring_timeout_seconds))


class DaySimulation:
    def __init__(self, client: TelephonyClient, plan: DayPlan, speed: float, log: Callable[[str], None]):
        self.client, self.plan, self.log = client, plan, log
        self.rng = random.Random(plan.seed)  # noqa: S311 - a reproducible simulation, not a secret
        start = datetime(plan.day.year, plan.day.month, plan.day.day, tzinfo=SHANGHAI)
        self.clock = SimClock(start, speed)
        self.run_id = uuid.uuid4().hex[:8]
        self.extensions = {ext for exts in plan.agents.values() for ext in exts}
        self.logged_in: list[str] = []
        self.figures: dict[str, CenterFigures] = defaultdict(CenterFigures)
        self.outcomes: dict[str, int] = defaultdict(int)
        self.errors: list[str] = []
        self.active = 0
        self.wrapping: set[asyncio.Task] = set()
        self.event_serial = 0

    def _event_id(self, kind: str, ref: str = "") -> str:
        self.event_serial += 1
        return f"sim-{self.run_id}:{ref or 'agent'}:{kind}:{self.event_serial}"

    async def _post(self, endpoint: str, kind: str, ref: str = "", **fields) -> dict:
        body = {"event_id": self._event_id(kind, ref), **({"call_ref": ref} if ref else {}), **fields}
        return await self.client.post(endpoint, body, at=self.clock.at)

    async def _agent_state(self, extension: str, state: str) -> bool:
        try:
            await self._post("agents/state", "state", extension=extension, state=state)
        except SimError as error:
            self.errors.append(f"agents/state {extension} {state}: {error}")
            return False
        return True

    async def run(self) -> dict:
        plan = self.plan
        times = arrivals(plan, self.rng)
        self.clock.skip_to(plan.opens * 3600 - 300)
        for extension in sorted(self.extensions):
            if await self._agent_state(extension, "available"):
                self.logged_in.append(extension)
        self.log(f"{len(self.logged_in)} agents logged in at {self.clock.at():%Y-%m-%d %H:%M}; "
                 f"{len(times)} calls to come")
        callers = []
        for number, arrival in enumerate(times, start=1):
            if self.active == 0 and not self.wrapping:
                self.clock.skip_to(arrival - 1)
            await self.clock.until(arrival)
            callers.append(asyncio.create_task(self._caller(number)))
        await asyncio.gather(*callers)
        while self.wrapping:
            await asyncio.gather(*list(self.wrapping))
        self.clock.skip_to(plan.closes * 3600)
        for extension in self.logged_in:
            await self._agent_state(extension, "offline")
        return self.summary()

    def _number(self) -> str:
        if not self.plan.phones or self.rng.random() < self.plan.unknown_share:
            return f"1{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}"
        return self.rng.choice(self.plan.phones)

    async def _caller(self, number: int) -> None:
        self.active += 1
        ref = f"sim-{self.run_id}-{number}"
        rng = self.rng
        patience = rng.expovariate(1 / self.plan.patience_mean)
        talk = max(5.0, rng.expovariate(1 / self.plan.talk_mean))
        ivr = [rng.choices(list(IVR_WEIGHTS), list(IVR_WEIGHTS.values()))[0]]
        offered = self.clock.now()
        give_up = offered + patience
        center = "-"
        outcome = "error"
        try:
            answer = await self._post("calls/offered", "offered", ref, caller=self._number(), dialled="95xxx",
                                      ivr=ivr)
            center = answer.get("center") or center
            callback_decided = False
            while True:
                action = answer["action"]
                center = answer.get("center") or center
                if action == "offer_callback" and not callback_decided:
                    callback_decided = True
                    if rng.random() < self.plan.callback_accept:
                        await self._post("calls/callback", "callback", ref, kind="callback")
                        outcome = "callback"
                        break
                if action in ("queue", "offer_callback"):
                    wait = float(answer.get("recheck_after") or 3.0)
                    if self.clock.now() + wait >= give_up:
                        await self.clock.until(give_up)
                        outcome = "abandoned"
                        break
                    await self.clock.sleep(wait)
                    answer = await self._post("calls/route", "route", ref)
                    continue
                if action == "agent":
                    extension = answer["extension"]
                    ours = extension in self.extensions
                    delay = self.plan.answer_delay if ours else self.plan.ring_timeout
                    if self.clock.now() + delay >= give_up:
                        await self.clock.until(give_up)
                        outcome = "abandoned"
                        break
                    await self.clock.sleep(delay)
                    if not ours:  # a real person's extension (not simulated): it rings out
                        answer = await self._post("calls/ring-timeout", "ring_timeout", ref, extension=extension)
                        continue
                    state = await self._post("calls/answered", "answered", ref, extension=extension)
                    center = state.get("center") or center
                    waited = self.clock.now() - offered
                    figures = self.figures[center]
                    figures.answered += 1
                    figures.wait_total += waited
                    figures.answered_in_time += waited <= SERVICE_LEVEL_SECONDS
                    await self.clock.sleep(talk)
                    await self._post("calls/ended", "ended", ref)
                    task = asyncio.create_task(self._wrap_up(extension))
                    self.wrapping.add(task)
                    task.add_done_callback(self.wrapping.discard)
                    outcome = "answered"
                    return
                if action == "self_service":
                    await self.clock.sleep(min(self.plan.self_service, patience + 30))
                    outcome = "self_service"
                elif action in ("callback", "voicemail"):
                    recording = f"sim/voicemail/{ref}.wav" if action == "voicemail" else ""
                    await self._post("calls/callback", "callback", ref, kind=action, recording_ref=recording)
                    outcome = action
                else:
                    outcome = action
                break
            await self._post("calls/ended", "ended", ref)
        except (SimError, httpx.HTTPError) as error:
            self.errors.append(f"{ref}: {error}")
        finally:
            self.active -= 1
            self.outcomes[outcome] += 1
            if center != "-" or outcome in ("answered", "abandoned"):
                figures = self.figures[center]
                figures.offered += 1
                figures.abandoned += outcome == "abandoned"
                figures.callbacks += outcome == "callback"

    async def _wrap_up(self, extension: str) -> None:
        await self.clock.sleep(self.plan.wrap_up)
        await self._agent_state(extension, "available")

    def summary(self) -> dict:
        total = CenterFigures()
        for figures in self.figures.values():
            for name in ("offered", "answered", "answered_in_time", "abandoned", "callbacks", "wait_total"):
                setattr(total, name, getattr(total, name) + getattr(figures, name))
        return {"day": self.plan.day.isoformat(), "calls": self.plan.calls, "agents": len(self.logged_in),
                "outcomes": dict(sorted(self.outcomes.items())),
                "centers": {code: f.as_dict() for code, f in sorted(self.figures.items())},
                "total": total.as_dict(), "requests": self.client.requests, "errors": len(self.errors),
                "service_level_definition": f"answered within {SERVICE_LEVEL_SECONDS} s / (answered + abandoned)"}


def summary_table(summary: dict) -> str:
    lines = [f"Day {summary['day']}: {summary['calls']} calls, {summary['agents']} agents, "
             f"{summary['requests']} requests, {summary['errors']} errors",
             "outcomes: " + ", ".join(f"{k} {v}" for k, v in summary["outcomes"].items()),
             f"{'center':<10}{'offered':>9}{'answered':>10}{'abandoned':>11}{'callbacks':>11}"
             f"{'SL(20s)':>9}{'ASA s':>8}"]
    rows = [*summary["centers"].items(), ("total", summary["total"])]
    for code, f in rows:
        level = "-" if f["service_level"] is None else f"{f['service_level']:.0%}"
        asa = "-" if f["asa_seconds"] is None else f"{f['asa_seconds']:.0f}"
        lines.append(f"{code:<10}{f['offered']:>9}{f['answered']:>10}{f['abandoned']:>11}{f['callbacks']:>11}"
                     f"{level:>9}{asa:>8}")
    return "\n".join(lines)

