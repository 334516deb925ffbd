"""Configuring service packages from the pages: the package, its entitlements and its commission schedules are
saved together, validated in full first, audited with their state before and after."""

from django.db import transaction
from django.forms.models import model_to_dict

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import ValidationFailed
from brokerdesk.core.permissions import require_permission
from brokerdesk.service_plans.models import ServicePackage


def package_snapshot(package: ServicePackage) -> dict:
    return {**model_to_dict(package, exclude=["id"]),
            "entitlements": [[e.kind, e.level, e.detail] for e in package.entitlements.order_by("kind")],
            "schedules": [[s.asset_tier, s.standard_rate, s.min_rate, s.max_rate]
                          for s in package.schedules.order_by("asset_tier")]}


def package_save(*, actor, form, formsets) -> ServicePackage:
    """form: the package's ModelForm; formsets: its inline formsets (entitlements, schedules), bound."""
    require_permission(actor, "service_plans.manage_packages", "package.save")
    if not form.is_valid() or not all(f.is_valid() for f in formsets):
        details = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        for formset in formsets:
            for problem in formset.non_form_errors():
                details.setdefault(formset.prefix, []).append(str(problem))
            for row in formset.errors:
                for name, errors in row.items():
                    details.setdefault(f"{formset.prefix}-{name}", []).extend(str(e) for e in errors)
        raise ValidationFailed(details=details)
    before = package_snapshot(ServicePackage.objects.get(pk=form.instance.pk)) if form.instance.pk else None
    with transaction.atomic():
        if form.cleaned_data.get("is_default"):
            ServicePackage.objects.filter(is_default=True).exclude(pk=form.instance.pk).update(is_default=False)
        package = form.save()
        for formset in formsets:
            formset.instance = package
            formset.save()
        audit_record(actor=actor, action="package.save", object_type="servicepackage", object_id=package.pk,
                     before=before, after=package_snapshot(package))
    return package
