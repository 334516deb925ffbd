"""The agent desktop's forms: state, wrap-up, transfer, note; the reports' date range."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brokerdesk.contact_center.choices import AgentState, BreakReason, TransferTarget
from brokerdesk.contact_center.models import AgentProfile, WrapUpCode
from brokerdesk.org.models import ContactCenter

STATE_CHOICES = [(s, AgentState(s).label) for s in (AgentState.AVAILABLE, AgentState.BREAK, AgentState.OFFLINE)]
BREAK_CHOICES = [("", "—")] + [(r.value, r.label) for r in BreakReason if r != BreakReason.MISSED]


class StateForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=STATE_CHOICES)
    break_reason = forms.ChoiceField(label=_("Break reason"), choices=BREAK_CHOICES, required=False)


class WrapUpForm(forms.Form):
    code = forms.ModelChoiceField(label=_("Wrap-up code"), queryset=WrapUpCode.objects.filter(is_active=True),
                                  to_field_name="code", empty_label=_("Choose…"))
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                           required=False)


class TransferForm(forms.Form):
    target = forms.ChoiceField(label=_("Transfer to"), choices=TransferTarget.choices)
    center = forms.ModelChoiceField(label=_("Center"), queryset=ContactCenter.objects.order_by("kind", "code"),
                                    required=False)
    agent = forms.ModelChoiceField(label=_("Agent"), queryset=AgentProfile.objects.select_related("staff"),
                                   required=False)
    note = forms.CharField(label=_("Note for the next agent"), widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=2000, required=False)


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ReportForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.ChoiceField(label=_("Per"), choices=[("day", _("day")), ("hour", _("hour"))], initial="day")
    center = forms.ModelChoiceField(label=_("Center"), queryset=ContactCenter.objects.none(), required=False,
                                    empty_label=_("All centers"))

    MAX_DAYS = 92

    def __init__(self, *args, centers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if centers is not None:
            self.fields["center"].queryset = centers

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end is before the start."))
            elif (end - start).days >= self.MAX_DAYS:
                self.add_error("end", _("At most %(days)d days at a time.") % {"days": self.MAX_DAYS})
        return data

    @classmethod
    def default_initial(cls) -> dict:
        today = timezone.localdate()
        return {"start": today - timedelta(days=6), "end": today, "by": "day"}
