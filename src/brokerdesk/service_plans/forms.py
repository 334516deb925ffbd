"""The package editor: the package and, inline, its entitlements and commission schedules."""

from django import forms
from django.forms import inlineformset_factory

from brokerdesk.service_plans.models import CommissionSchedule, PackageEntitlement, ServicePackage


class PackageForm(forms.ModelForm):
    class Meta:
        model = ServicePackage
        fields = ["code", "name", "description", "rank", "min_asset_tier", "min_risk_level", "risk_level",
                  "requires_approval", "is_default", "effective_from", "effective_to", "is_active"]
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"}),
                   "effective_to": forms.DateInput(attrs={"type": "date"}),
                   "description": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        data = super().clean()
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end and end < start:
            self.add_error("effective_to", forms.ValidationError("The end date is before the start date."))
        return data


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = CommissionSchedule
        fields = ["asset_tier", "standard_rate", "min_rate", "max_rate"]

    def clean(self):
        data = super().clean()
        low, standard, high = data.get("min_rate"), data.get("standard_rate"), data.get("max_rate")
        if None not in (low, standard, high) and not low <= standard <= high:
            raise forms.ValidationError("The standard rate must lie within the band (lowest ≤ standard ≤ highest).")
        return data


EntitlementFormSet = inlineformset_factory(ServicePackage, PackageEntitlement, fields=["kind", "level", "detail"],
                                           extra=2, can_delete=True)
ScheduleFormSet = inlineformset_factory(ServicePackage, CommissionSchedule, form=ScheduleForm, extra=2,
                                        can_delete=True)
