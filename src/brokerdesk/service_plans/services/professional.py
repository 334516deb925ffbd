"""Professional investors (专业投资者): an application with its figures and evidence, evaluated against Art. 8 /
Art. 11 criteria (scoring.professional_evaluate), and decided by a second person (maker-checker). Approval makes
the client a professional investor on the client master.

Evidence files are stored outside the web root by their SHA-256 (equal files once), like ticket attachments, and
are served only after the application's access check, as sandboxed downloads.
"""

from dataclasses import fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.blobs import BlobStore, BlobTooLarge, blob_response, safe_filename
from brokerdesk.core.errors import (
    ApplicationError,
    Conflict,
    FieldErrors,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from brokerdesk.core.permissions import require_permission
from brokerdesk.customers.choices import CustomerKind, CustomerStatus, InvestorCategory
from brokerdesk.customers.selectors import customer_get_for_actor
from brokerdesk.customers.services import customer_investor_category_record
from brokerdesk.service_plans import scoring
from brokerdesk.service_plans.choices import ApplicationStatus, ProfessionalBasis
from brokerdesk.service_plans.models import ProfessionalApplication, ProfessionalEvidence
from brokerdesk.service_plans.selectors.assessments import (
    professional_application_get_for_actor,
    professional_evidence_get_for_actor,
)

MAX_EVIDENCE_FILES = 10
NOTE_MAX = 500
BACKGROUND_MAX = 300
MONEY_MAX = Decimal("9999999999999999.99")  # 18 digits, 2 decimals
YEARS_MAX = Decimal("999.9")
CHUNK = 1024 * 1024
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "application/pdf", "text/plain"})


def professional_criteria() -> scoring.ProfessionalCriteria:
    """The defaults of scoring.ProfessionalCriteria, with settings.PROFESSIONAL_INVESTOR_CRITERIA (a dict of the
    same names to amounts) applied when the installation sets it."""
    overrides = getattr(settings, "PROFESSIONAL_INVESTOR_CRITERIA", None) or {}
    known = {f.name for f in fields(scoring.ProfessionalCriteria)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ImproperlyConfigured(f"PROFESSIONAL_INVESTOR_CRITERIA: unknown criteria {', '.join(unknown)}")
    try:
        values = {name: Decimal(str(value)) for name, value in overrides.items()}
    except InvalidOperation:
        raise ImproperlyConfigured("PROFESSIONAL_INVESTOR_CRITERIA: every criterion must be a number") from None
    return replace(scoring.ProfessionalCriteria(), **values)


# --- Evidence files --------------------------------------------------------------------------------------------


def _evidence_store() -> BlobStore:
    # Its own root: ticket retention deletes attachments after 3 years; evidence is kept 20.
    return BlobStore(Path(settings.ATTACHMENT_DIR) / "evidence", settings.ATTACHMENT_MAX_BYTES)


def evidence_path(sha256: str) -> Path:
    """Where the evidence file with this content lives."""
    return _evidence_store().path(sha256)


def _safe_filename(name: str) -> str:
    return safe_filename(name, "evidence")


# --- Applying --------------------------------------------------------------------------------------------------


def _decimal(errors: FieldErrors, name: str, value, *, maximum: Decimal, places: int) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        errors.add(name, _("Enter a number."))
        return None
    if not number.is_finite():
        errors.add(name, _("Enter a number."))
    elif number < 0:
        errors.add(name, _("Enter zero or more."))
    elif number > maximum:
        errors.add(name, _("Enter at most %(max)s.") % {"max": maximum})
    elif number != number.quantize(Decimal(1).scaleb(-places)):
        errors.add(name, _("Enter at most %(places)d decimal places.") % {"places": places})
    else:
        return number
    return None


def _require(errors: FieldErrors, name: str, value, message: str) -> None:
    if value is None and name not in errors.errors:
        errors.add(name, message)


def professional_apply(*, actor, customer_id, basis: str, financial_assets=None, net_assets=None,
                       average_income_3y=None, experience_years=None, professional_background: str = "",
                       evidence_files=()) -> ProfessionalApplication:
    """Record a client's request to be treated as a professional investor, with the figures, the evidence and
    whether they meet the criteria of the basis claimed (the reviewer can approve only if they do)."""
    require_permission(actor, "service_plans.add_professionalapplication", "suitability.professional_apply")
    customer = customer_get_for_actor(actor, customer_id)
    errors = FieldErrors()
    if basis not in ProfessionalBasis.values:
        errors.add("basis", _("Choose the basis of the application."))
    money = {"maximum": MONEY_MAX, "places": 2}
    financial = _decimal(errors, "financial_assets", financial_assets, **money)
    net = _decimal(errors, "net_assets", net_assets, **money)
    income = _decimal(errors, "average_income_3y", average_income_3y, **money)
    years = _decimal(errors, "experience_years", experience_years, maximum=YEARS_MAX, places=1)
    background = " ".join((professional_background or "").split())
    if len(background) > BACKGROUND_MAX:
        errors.add("professional_background", _("Keep it under %(max)d characters.") % {"max": BACKGROUND_MAX})

    kinds = scoring.BASIS_KINDS.get(basis)
    if kinds is not None and customer.kind not in kinds:
        errors.add("basis", _("This basis does not apply to a client of kind “%(kind)s”.")
                   % {"kind": customer.get_kind_display()})
    needed = _("Required for this basis.")
    if basis == ProfessionalBasis.ENTITY:
        for name, value in (("net_assets", net), ("financial_assets", financial), ("experience_years", years)):
            _require(errors, name, value, needed)
    elif basis in (ProfessionalBasis.PERSON_ASSETS, ProfessionalBasis.PERSON_INCOME):
        wealth_field, wealth = (("financial_assets", financial) if basis == ProfessionalBasis.PERSON_ASSETS
                                else ("average_income_3y", income))
        _require(errors, wealth_field, wealth, needed)
        if years is None and not background:
            _require(errors, "experience_years", years,
                     _("Give the years of investment experience or the professional background."))
    elif basis == ProfessionalBasis.PERSON_ON_REQUEST:
        if financial is None and income is None and not {"financial_assets", "average_income_3y"} & set(errors.errors):
            errors.add("financial_assets", _("Give the financial assets or the 3-year average income."))
        _require(errors, "experience_years", years, needed)

    files = [f for f in (evidence_files or ()) if f is not None]
    if customer.kind == CustomerKind.PERSON and not files:
        errors.add("evidence", _("Attach at least one document proving the figures (asset certificate, income "
                                 "statement, proof of experience)."))
    if len(files) > MAX_EVIDENCE_FILES:
        errors.add("evidence", _("Attach at most %(max)d files.") % {"max": MAX_EVIDENCE_FILES})
    for upload in files:
        if not upload.size:
            errors.add("evidence", _("%(name)s is empty.") % {"name": _safe_filename(upload.name)})
        elif upload.size > settings.ATTACHMENT_MAX_BYTES:
            errors.add("evidence", _("%(name)s is larger than the limit of %(mb)d MB.")
                       % {"name": _safe_filename(upload.name), "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)})
    if customer.status == CustomerStatus.CLOSED:
        errors.add("customer", _("The client's account is closed."))
    if customer.investor_category == InvestorCategory.PROFESSIONAL:
        errors.add("customer", _("The client is already a professional investor."))
    if ProfessionalApplication.objects.filter(customer=customer, status=ApplicationStatus.PENDING).exists():
        errors.add("customer", _("The client already has an application awaiting review."))
    errors.raise_if_any()

    stored = []
    for upload in files:
        try:
            sha, size = _evidence_store().store(upload.chunks(CHUNK))
        except BlobTooLarge:
            raise ValidationFailed(details={"evidence": [_("%(name)s is larger than the limit of %(mb)d MB.") % {
                "name": _safe_filename(upload.name), "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}]}) from None
        stored.append((_safe_filename(upload.name), (upload.content_type or "application/octet-stream")[:100],
                       sha, size))

    result = scoring.professional_evaluate(
        scoring.ProfessionalFacts(customer_kind=customer.kind, basis=basis, financial_assets=financial,
                                  net_assets=net, average_income_3y=income, experience_years=years,
                                  professional_background=bool(background)),
        professional_criteria())
    now = timezone.now()
    try:
        with transaction.atomic():
            application = ProfessionalApplication.objects.create(
                customer=customer, basis=basis, financial_assets=financial, net_assets=net,
                average_income_3y=income, experience_years=years, professional_background=background,
                criteria_met=result.met, reasons=list(result.reasons), requested_at=now, requested_by=actor)
            ProfessionalEvidence.objects.bulk_create(
                ProfessionalEvidence(application=application, file_name=name, content_type=content_type, size=size,
                                     sha256=sha, uploaded_at=now, uploaded_by=actor)
                for name, content_type, sha, size in stored)
            audit_record(actor=actor, action="suitability.professional_apply", object_type="professional_application",
                         object_id=application.pk,
                         after={"basis": basis, "financial_assets": financial, "net_assets": net,
                                "average_income_3y": income, "experience_years": years,
                                "criteria_met": result.met, "reasons": list(result.reasons)},
                         details={"customer_id": customer.pk,
                                  "evidence": [{"file": n, "sha256": s, "size": z} for n, _t, s, z in stored]})
    except IntegrityError:
        raise Conflict(_("The client already has an application awaiting review.")) from None
    return application


# --- Deciding --------------------------------------------------------------------------------------------------


class CriteriaNotMet(ApplicationError):
    code = "criteria_not_met"
    status = 422


def professional_decide(*, actor, application_id, approve: bool, note: str = "") -> ProfessionalApplication:
    """Approve or reject a pending application. Never by the person who recorded it; approval only when the
    criteria are met (as recorded and under today's criteria); compare-and-set on the pending status."""
    require_permission(actor, "service_plans.review_professional", "suitability.professional_decide")
    application = professional_application_get_for_actor(actor, application_id)
    if application.requested_by_id is not None and application.requested_by_id == actor.pk:
        audit_record(actor=actor, action="access.denied", object_type="professional_application",
                     object_id=application.pk, details={"attempted": "suitability.professional_decide",
                                                        "reason": "maker_checker"})
        raise PermissionDenied(_("You recorded this application; another reviewer must decide it."),
                               code="maker_checker")
    if application.status != ApplicationStatus.PENDING:
        raise Conflict(_("This application has already been decided."))
    note = " ".join((note or "").split())
    errors = FieldErrors()
    if len(note) > NOTE_MAX:
        errors.add("note", _("Keep the note under %(max)d characters.") % {"max": NOTE_MAX})
    if not approve and not note:
        errors.add("note", _("Give the reason for the rejection; the client is told it."))
    errors.raise_if_any()
    customer = application.customer
    if approve:
        now_result = scoring.professional_evaluate(
            scoring.ProfessionalFacts(
                customer_kind=customer.kind, basis=application.basis, financial_assets=application.financial_assets,
                net_assets=application.net_assets, average_income_3y=application.average_income_3y,
                experience_years=application.experience_years,
                professional_background=bool(application.professional_background)),
            professional_criteria())
        if not (application.criteria_met and now_result.met):
            raise CriteriaNotMet(_("The application does not meet the criteria of its basis; it can only be "
                                   "rejected."), details={"reasons": list(now_result.reasons)})
    status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
    now = timezone.now()
    with transaction.atomic():
        changed = ProfessionalApplication.objects.filter(pk=application.pk, status=ApplicationStatus.PENDING).update(
            status=status, decided_at=now, decided_by=actor, decision_note=note)
        if changed != 1:
            raise Conflict(_("This application has already been decided."))
        if approve:
            customer_investor_category_record(actor=actor, customer=customer, category=InvestorCategory.PROFESSIONAL,
                                              source=f"professional_application:{application.pk}")
        audit_record(actor=actor, action="suitability.professional_decide", object_type="professional_application",
                     object_id=application.pk, before={"status": ApplicationStatus.PENDING},
                     after={"status": status, "note": note}, details={"customer_id": customer.pk})
    application.refresh_from_db()
    return application


# --- Evidence download -----------------------------------------------------------------------------------------


def professional_evidence_response(*, actor, application_id, evidence_id) -> FileResponse:
    """The file, to those who take or review applications and may see the client; audited as a read of
    personal data. The same NotFound for another branch's application, a wrong id or a lost file."""
    if not (actor.has_perm("service_plans.add_professionalapplication")
            or actor.has_perm("service_plans.review_professional")):
        require_permission(actor, "service_plans.review_professional", "suitability.professional_evidence_read")
    evidence = professional_evidence_get_for_actor(actor, application_id, evidence_id)
    path = evidence_path(evidence.sha256)
    if not path.exists():
        raise NotFound()
    audit_record(actor=actor, action="suitability.professional_evidence_read",
                 object_type="professional_application", object_id=evidence.application_id,
                 details={"evidence": evidence.pk, "sha256": evidence.sha256})
    return blob_response(path, filename=evidence.file_name, content_type=evidence.content_type,
                         inline_types=INLINE_TYPES)
