"""Suitability matching (适当性匹配), pure: no Django, unit- and property-tested directly.

The matrix of DOMAIN.md: C1 → R1, C2 → R1–R2, … C5 → R1–R5; professional investors are unrestricted. Above
the client's level the firm never recommends; if the client asks, the lowest category is refused outright and
anyone else sees a special risk warning and must sign a confirmation and a no-recommendation declaration. A
high-risk product to an ordinary investor also needs cooling-off or an extra return visit. An ordinary
investor without a valid (present, unexpired) assessment is matched against nothing: the firm assesses first.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

CLIENT_LEVELS = ("C1", "C2", "C3", "C4", "C5")
RISK_LEVELS = ("R1", "R2", "R3", "R4", "R5")


class Outcome(StrEnum):
    MATCH = "match"
    CONFIRMATION_REQUIRED = "confirmation_required"
    REFUSED_LOWEST_CATEGORY = "refused_lowest"
    REFUSED_NO_ASSESSMENT = "refused_no_assessment"


@dataclass(frozen=True)
class ClientRisk:
    """What matching needs to know of a client."""

    is_professional: bool
    level: str  # C1..C5, "" when never assessed
    is_lowest_category: bool
    expires_on: date | None


@dataclass(frozen=True)
class MatchPolicy:
    """The configurable parts (settings.SUITABILITY)."""

    high_risk_levels: frozenset[str] = frozenset({"R5"})
    lowest_category_max: str = "R1"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[str, ...]  # stable codes; pages translate them
    high_risk_to_ordinary: bool = False

    @property
    def may_proceed_without_confirmation(self) -> bool:
        return self.outcome is Outcome.MATCH

    @property
    def refused(self) -> bool:
        return self.outcome in (Outcome.REFUSED_LOWEST_CATEGORY, Outcome.REFUSED_NO_ASSESSMENT)


def max_risk_for(level: str) -> str:
    """The highest product risk a client level matches: C1 → R1 … C5 → R5."""
    return RISK_LEVELS[CLIENT_LEVELS.index(level)]


def risk_rank(risk: str) -> int:
    if risk not in RISK_LEVELS:
        raise ValueError(f"unknown product risk level {risk!r}")
    return RISK_LEVELS.index(risk) + 1


def decide(client: ClientRisk, product_risk: str, today: date, policy: MatchPolicy = MatchPolicy()) -> Decision:
    """Match one client against one product or service risk level."""
    rank = risk_rank(product_risk)
    # The lowest category comes first, before professional status (a contradiction in the data must not open
    # anything) and before the assessment's validity: whatever else is true, they get R1 at most.
    if client.is_lowest_category:
        if rank <= risk_rank(policy.lowest_category_max):
            return Decision(Outcome.MATCH, ("within_lowest_category_limit",))
        return Decision(Outcome.REFUSED_LOWEST_CATEGORY, ("lowest_category",))
    if client.is_professional:
        return Decision(Outcome.MATCH, ("professional_investor",))
    if client.level not in CLIENT_LEVELS:
        return Decision(Outcome.REFUSED_NO_ASSESSMENT, ("assessment_missing",))
    if client.expires_on is None or client.expires_on < today:
        return Decision(Outcome.REFUSED_NO_ASSESSMENT, ("assessment_expired",))
    high_risk = product_risk in policy.high_risk_levels
    if rank <= risk_rank(max_risk_for(client.level)):
        return Decision(Outcome.MATCH, ("level_matches",), high_risk_to_ordinary=high_risk)
    return Decision(Outcome.CONFIRMATION_REQUIRED, ("risk_above_client_level",), high_risk_to_ordinary=high_risk)


def signature_hash(fields: dict) -> str:
    """SHA-256 over the canonical JSON of what was signed (who, what, the text shown, when, how, the signature
    input itself), so the stored record proves what the client agreed to."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
