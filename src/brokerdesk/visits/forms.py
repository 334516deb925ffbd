"""The forms of the return-visit pages: the call's outcome with the script's questions, reassignment,
cancellation and an offline call's recording.

The forms only parse what the page sends; the services check it (a completed visit answers every required
question, a refusal says why). Their field names are the keys the services report problems under ("q<question
id>", "note", "outcome", "agent", "center", "target"), so core.forms.put_errors shows each problem next to its
field.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from brokerdesk.visits.choices import Outcome, QuestionKind

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
RATINGS = [(str(n), str(n)) for n in range(1, 6)]
NOTE_MAX = 5000


def question_field_name(question) -> str:
    return f"q{question.pk}"


class OutcomeForm(forms.Form):
    """What came of the call: the outcome, a note, and an answer field per script question (all optional here;
    the service decides which answers the outcome needs)."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, questions=(), question_texts: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        texts = question_texts or {}
        for question in self.questions:
            label = texts.get(question.pk, question.text)
            if question.kind == QuestionKind.YES_NO:
                field = forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect)
            elif question.kind == QuestionKind.CHOICE:
                field = forms.ChoiceField(choices=[(c, c) for c in question.choices], widget=forms.RadioSelect)
            elif question.kind == QuestionKind.RATING:
                field = forms.ChoiceField(choices=RATINGS, widget=forms.RadioSelect)
            else:
                field = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
            field.required = False
            field.label = label
            self.fields[question_field_name(question)] = field

    def question_rows(self) -> list[dict]:
        """Each question with its (placeholder-filled) text and its bound field, in script order."""
        return [{"question": q, "field": self[question_field_name(q)], "text": self.fields[
            question_field_name(q)].label} for q in self.questions]

    def answers(self) -> dict[str, str]:
        """{question id: answer} as the service takes them (unanswered questions left out)."""
        answers = {}
        for question in self.questions:
            value = (self.cleaned_data.get(question_field_name(question)) or "").strip()
            if value:
                answers[str(question.pk)] = value
        return answers


TARGETS = [("agent", _("An agent")), ("center", _("A contact center's queue")),
           ("branch", _("The client's branch queue"))]


class ReassignForm(forms.Form):
    target = forms.ChoiceField(label=_("Move to"), choices=TARGETS, widget=forms.RadioSelect, initial="agent")
    agent = forms.TypedChoiceField(label=_("Agent"), required=False, coerce=int, empty_value=None)
    center = forms.TypedChoiceField(label=_("Contact center"), required=False, coerce=int, empty_value=None)
    note = forms.CharField(label=_("Reason"), max_length=NOTE_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, agents=(), centers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [("", "—")] + [(a.pk, _agent_label(a)) for a in agents]
        self.fields["center"].choices = [("", "—")] + [(c.pk, str(c)) for c in centers]


def _agent_label(agent) -> str:
    where = agent.center or agent.branch
    return f"{agent} ({where})" if where else str(agent)


class CancelForm(forms.Form):
    note = forms.CharField(label=_("Reason"), max_length=NOTE_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ReleaseForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX, required=False)


class RecordingForm(forms.Form):
    attempt_number = forms.TypedChoiceField(label=_("Call"), coerce=int)
    file = forms.FileField(label=_("Recording file"))

    def __init__(self, *args, attempts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attempt_number"].choices = [
            (a.number, gettext("Call %(n)d, %(at)s") % {
                "n": a.number, "at": timezone.localtime(a.started_at).strftime("%Y-%m-%d %H:%M")})
            for a in attempts]
