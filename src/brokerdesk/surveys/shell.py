"""How the surveys app plugs into the shell: menu entries and the client's responses on the 360 timeline."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from brokerdesk.core.registry import NavItem, register_nav
from brokerdesk.customers.timeline import TimelineEntry, register_timeline_source


def _survey_timeline(customer, actor, limit: int) -> list[TimelineEntry]:
    from brokerdesk.surveys.selectors import responses_visible_to

    entries = []
    for response in (responses_visible_to(actor).filter(customer=customer).select_related("survey")
                     .order_by("-submitted_at", "-pk")[:limit]):
        body = f"NPS {response.nps_score}" if response.nps_score is not None else ""
        if response.comment:
            body = f"{body} · {response.comment[:80]}" if body else response.comment[:80]
        entries.append(TimelineEntry(at=response.submitted_at, kind="survey",
                                     title=f"{_('Survey')} · {response.survey.name}", body=body, actor="",
                                     url=reverse("surveys:response", args=[response.pk])))
    return entries


register_nav(NavItem("surveys", _("Surveys"), "surveys:campaigns", order=60, permission="surveys.run_campaign"))
register_nav(NavItem("survey_actions", _("Survey action items"), "surveys:actions", order=62,
                     permission="surveys.manage_action_items"))
register_nav(NavItem("survey_phone", _("Phone surveys"), "surveys:phone_list", order=64,
                     permission="surveys.add_response"))
register_nav(NavItem("surveys_nps", _("NPS"), "surveys_nps:dashboard", order=61, permission="surveys.view_nps"))
register_timeline_source("surveys", _survey_timeline)
