"""The signed per-recipient link: django.core.signing (salt "surveys.invitation") over {"i": invitation id,
"n": nonce}.

The nonce is random per invitation and cleared when the response is stored, so a token answers once; a token
signed with another key, or changed by one character, is refused before any row is read. What the caller learns
from a refusal is only "this link is not valid" (the page is the same whatever the reason); the status is 404 for
a token that never was, 410 for one that was but is used or expired.
"""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils import timezone

from brokerdesk.surveys.choices import CampaignStatus, InvitationStatus
from brokerdesk.surveys.models import Invitation

SALT = "surveys.invitation"
FORGED, USED, EXPIRED = "forged", "used", "expired"


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def token_for(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=SALT, compress=False)


def link_for(invitation: Invitation) -> str:
    from django.urls import reverse

    return settings.BROKERDESK_BASE_URL + reverse("surveys:respond", args=[token_for(invitation)])


@dataclass(frozen=True)
class TokenCheck:
    invitation: Invitation | None
    problem: str = ""  # "" (valid), FORGED, USED or EXPIRED

    @property
    def status(self) -> int:
        return {"": 200, FORGED: 404}.get(self.problem, 410)


def token_check(token: str, *, now=None) -> TokenCheck:
    """The invitation a token names, if it may still be answered."""
    try:
        payload = signing.loads(token or "", salt=SALT)
        invitation_id, nonce = int(payload["i"]), str(payload["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return TokenCheck(None, FORGED)
    if not nonce or not 0 < invitation_id < 2**63:
        return TokenCheck(None, FORGED)
    invitation = (Invitation.objects.select_related("campaign__survey__theme", "customer", "officer__staff",
                                                    "branch").filter(pk=invitation_id).first())
    if invitation is None:
        return TokenCheck(None, FORGED)
    if invitation.nonce != nonce:
        # Used (the nonce was cleared) or replaced: either way this token was once issued.
        return TokenCheck(None, USED if invitation.status == InvitationStatus.RESPONDED or not invitation.nonce
                          else FORGED)
    now = now or timezone.now()
    campaign = invitation.campaign
    if (invitation.status in (InvitationStatus.EXPIRED, InvitationStatus.SUPPRESSED)
            or campaign.status != CampaignStatus.RUNNING or campaign.ends_at <= now or campaign.starts_at > now):
        return TokenCheck(None, EXPIRED)
    return TokenCheck(invitation)
