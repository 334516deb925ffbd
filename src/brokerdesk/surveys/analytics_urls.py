"""NPS analytics pages; the project's urls.py includes this at /surveys/nps/."""

from django.urls import path

from brokerdesk.surveys.views import analytics as views

app_name = "surveys_nps"
urlpatterns = [
    path("", views.nps_dashboard, name="dashboard"),
    path("verbatims/", views.nps_verbatims, name="verbatims"),
    path("export.xlsx", views.nps_export, name="export"),
]
