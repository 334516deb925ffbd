from django.urls import path

from brokerdesk.surveys.views import public, staff

app_name = "surveys"
urlpatterns = [
    # --- the public response page (no login; the signed token names the invitation) ---
    path("r/<str:token>/", public.respond, name="respond"),
    # --- campaigns ---
    path("", staff.campaign_list, name="campaigns"),
    path("campaigns/new/", staff.campaign_create_view, name="campaign_create"),
    path("campaigns/<int:campaign_id>/", staff.campaign_detail, name="campaign"),
    path("campaigns/<int:campaign_id>/<slug:action>/", staff.campaign_act, name="campaign_act"),
    # --- the builder ---
    path("builder/", staff.survey_list, name="surveys"),
    path("builder/new/", staff.survey_create_view, name="survey_create"),
    path("builder/<int:survey_id>/", staff.survey_builder, name="builder"),
    path("builder/<int:survey_id>/<slug:action>/", staff.survey_act, name="survey_act"),
    # --- responses, phone surveys, the experience panel ---
    path("responses/<int:response_id>/", staff.response_detail, name="response"),
    path("phone/", staff.phone_list, name="phone_list"),
    path("phone/<int:invitation_id>/", staff.phone_record, name="phone_record"),
    path("panel/", staff.panel, name="panel"),
    path("officers/", staff.officers, name="officers"),
    # --- action items ---
    path("actions/", staff.action_list, name="actions"),
    path("actions/<int:item_id>/", staff.action_detail, name="action"),
]
