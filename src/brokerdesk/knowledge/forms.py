from django import forms
from django.utils.translation import gettext_lazy as _

from brokerdesk.knowledge.models import Category


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.select_related("parent"),
                                      required=False)
    keywords = forms.CharField(label=_("Keywords"), max_length=300, required=False,
                               help_text=_("Words clients use for this topic, separated by spaces"))
    body = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 14}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
