"""The IVR's self-service menu (自助查询): balances and recent trades read from the latest snapshot, 24/7.

The PBX plays them (text-to-speech) after the caller keys in a capital account number and the last four
characters of their ID number. This is knowledge-based verification on data the platform holds; the trading
password stays with the core trading system, which a PBX that can reach it should use instead
(docs/telephony.md). Three failed tries end self-service for the call. Every read and every failure is audited:
a successful read is a read of unmasked personal data (the balance).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.analytics.engine import lake as lake_reader
from brokerdesk.contact_center.models import Call
from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.lake import current_files
from brokerdesk.core.models import AuditEvent
from brokerdesk.customers.models import CapitalAccount
from brokerdesk.customers.presenters import latest_assets

MAX_FAILURES = 3
RECENT_TRADES = 5
FAILED = "contact_center.self_service_failed"


class VerificationFailed(PermissionDenied):
    code = "verification_failed"
    default_message = _("The account number or the ID digits do not match.")


def self_service_balances(*, call_ref: str, account_no: str, id_last4: str) -> dict:
    """The caller's balances and last trades, once they proved who they are (PermissionDenied otherwise)."""
    account_no, id_last4 = (account_no or "").strip(), (id_last4 or "").strip().upper()
    problems = {}
    if not account_no.isdigit() or not 6 <= len(account_no) <= 20:
        problems["account_no"] = [_("Key in the capital account number.")]
    if len(id_last4) != 4:
        problems["id_last4"] = [_("Key in the last four characters of the ID number.")]
    if problems:
        raise ValidationFailed(details=problems)
    call = Call.objects.filter(call_ref=call_ref).first()
    if call is None:
        raise NotFound()
    failures = AuditEvent.objects.filter(action=FAILED, object_type="call", object_id=str(call.pk)).count()
    if failures >= MAX_FAILURES:
        raise PermissionDenied(_("Too many failed tries: self-service is closed for this call."),
                               code="too_many_attempts")
    account = (CapitalAccount.objects.filter(account_no=account_no).select_related("customer", "customer__assets")
               .first())
    customer = account.customer if account is not None else None
    if customer is None or customer.id_number[-4:].upper() != id_last4:
        with transaction.atomic():
            audit_record(actor=None, action=FAILED, object_type="call", object_id=call.pk,
                         details={"try": failures + 1})
        raise VerificationFailed()
    assets = latest_assets(customer)
    since = timezone.localdate() - timedelta(days=30)
    trades = lake_reader.recent_trades(current_files(lake_reader.TRADES, since=since), customer.customer_no,
                                       RECENT_TRADES)
    with transaction.atomic():
        audit_record(actor=None, action="pii.unmask", object_type="customer", object_id=customer.pk,
                     details={"what": "self_service_balances", "call": call.pk})
    return {
        "as_of": assets.as_of,
        "total_assets": assets.total_assets,
        "cash": assets.cash_balance,
        "market_value": assets.market_value,
        "recent_trades": [
            {"date": row["date"], "side": row["side"], "market": row["market"],
             "security_code": row["security_code"], "quantity": row["quantity"], "price": row["price"]}
            for row in trades
        ],
    }
