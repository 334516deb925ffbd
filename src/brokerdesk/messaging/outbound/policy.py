"""The outbound rules as pure functions (no Django): quiet hours, back-off, what suppresses a message.

Unit-tested directly (tests/test_outbound_policy.py); services.py feeds them the client's data and settings.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

SERVICE, SURVEY, MARKETING, REGULATORY = "service", "survey", "marketing", "regulatory"
CAPPED_PURPOSES = frozenset({SURVEY, MARKETING})


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> "QuietHours | None":
        """"21:00-08:00" (may wrap midnight); "" or "off" is none. A start equal to the end is none too."""
        text = (text or "").strip()
        if not text or text.lower() in {"off", "none"}:
            return None
        try:
            start, end = (time.fromisoformat(part.strip()) for part in text.split("-", 1))
        except ValueError as error:
            raise ValueError(f"quiet hours {text!r} are not HH:MM-HH:MM") from error
        return None if start == end else cls(start, end)

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end  # wraps midnight

    def opens_after(self, now: datetime) -> datetime | None:
        """When sending may start, if now (aware) is inside the quiet hours; None when it is not."""
        local = now.astimezone(SHANGHAI)
        if not self.contains(local.time().replace(tzinfo=None)):
            return None
        opening = datetime.combine(local.date(), self.end, tzinfo=SHANGHAI)
        if opening <= local:
            opening += timedelta(days=1)
        return opening


def suppression(*, purpose: str, consent: bool | None, address: str, recent_capped: int, cap: int,
                closed: bool) -> str:
    """Why a message must not be sent, or "" when it may be.

    consent is the client's ChannelConsent for the channel: True, False (opted out) or None (nothing recorded).
    A regulatory notice goes out whatever the client chose (it is owed); only a missing address stops it.
    Service notices stop only at an explicit opt-out; marketing needs an explicit consent (PIPL: a separate
    consent per channel, none recorded counts as no). Surveys and marketing count against the cap.
    """
    if not address:
        return "no_address"
    if purpose == REGULATORY:
        return ""
    if closed:
        return "customer_closed"
    if consent is False:
        return "opted_out"
    if purpose == MARKETING and consent is not True:
        return "no_consent"
    if purpose in CAPPED_PURPOSES and recent_capped >= cap:
        return "frequency_cap"
    return ""


def backoff_delay(attempts_made: int, schedule: list[int]) -> timedelta | None:
    """The wait before the next attempt after attempts_made failed ones, or None when none is left."""
    if attempts_made < 1 or attempts_made > len(schedule):
        return None
    return timedelta(seconds=schedule[attempts_made - 1])
