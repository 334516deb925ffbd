"""Forms of the ticket pages. They only parse; the services validate and report every problem at once."""

from django import forms
from django.utils.translation import gettext_lazy as _

from brokerdesk.tickets.choices import Priority, RegulatorSource, Satisfaction, TicketChannel, TicketKind
from brokerdesk.tickets.models import TicketCategory

STAFF_CHANNELS = [c for c in TicketChannel.choices if c[0] not in (TicketChannel.WEB, TicketChannel.API)]


def _categories():
    return [("", "—")] + [(c.pk, c.label) for c in TicketCategory.objects.filter(is_active=True)]


class TicketForm(forms.Form):
    """What an agent records during a call (or branch staff at the counter); also the regulator-referral form."""

    kind = forms.ChoiceField(label=_("Kind"), choices=TicketKind.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=STAFF_CHANNELS, initial=TicketChannel.PHONE)
    category = forms.TypedChoiceField(label=_("Category"), choices=_categories, coerce=int, empty_value=None,
                                      required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10000)
    customer = forms.IntegerField(widget=forms.HiddenInput, required=False)
    contact_name = forms.CharField(label=_("Contact name"), max_length=60, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    interaction_ref = forms.CharField(label=_("Call reference"), max_length=64, required=False)
    amount_involved = forms.DecimalField(label=_("Amount involved (CNY)"), required=False, min_value=0,
                                         max_digits=18, decimal_places=2)
    clients_involved = forms.IntegerField(label=_("Clients involved"), min_value=1, initial=1)
    committed_resolution_at = forms.DateTimeField(
        label=_("Resolution time promised to the client"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("When a complaint cannot be settled today, the definite time the client was told."))
    regulator_source = forms.ChoiceField(label=_("Referred by"), choices=[("", "—"), *RegulatorSource.choices],
                                         required=False)
    regulator_ref = forms.CharField(label=_("Regulator reference number"), max_length=60, required=False)
    regulator_deadline = forms.DateTimeField(label=_("Regulator deadline"), required=False,
                                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class PublicTicketForm(forms.Form):
    """The public complaint and suggestion form. `website` is a honeypot people never see or fill."""

    kind = forms.ChoiceField(label=_("What is it about?"), choices=[
        (TicketKind.COMPLAINT, TicketKind.COMPLAINT.label), (TicketKind.CONSULTATION, TicketKind.CONSULTATION.label),
        (TicketKind.SUGGESTION, TicketKind.SUGGESTION.label)])
    name = forms.CharField(label=_("Your name"), max_length=60)
    phone = forms.CharField(label=_("Mobile phone"), max_length=30)
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Details"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    started = forms.CharField(widget=forms.HiddenInput)


class DispatchForm(forms.Form):
    branch = forms.IntegerField(required=False)
    department = forms.IntegerField(required=False)
    instructions = forms.CharField(max_length=5000)
    reply_by = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class SatisfactionForm(forms.Form):
    reached = forms.BooleanField(required=False, initial=True)
    satisfaction = forms.TypedChoiceField(choices=[("", "—"), *Satisfaction.choices], coerce=int, empty_value=None,
                                          required=False)
    comment = forms.CharField(required=False, max_length=5000)

