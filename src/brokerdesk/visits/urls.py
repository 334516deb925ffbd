from django.urls import path

from brokerdesk.visits import report_views
from brokerdesk.visits.views import queue as queue_views
from brokerdesk.visits.views import task as task_views

app_name = "visits"

urlpatterns = [
    # --- work: queue, work screen, reassignment (views.py) ---
    path("", queue_views.queue, name="queue"),
    path("claim-next/", queue_views.claim_next, name="claim_next"),
    path("<int:task_id>/", task_views.detail, name="detail"),
    path("<int:task_id>/phone/", task_views.phone, name="phone"),
    path("<int:task_id>/calls/<int:attempt_number>/recording/", task_views.recording, name="recording"),
    path("<int:task_id>/<slug:action>/", task_views.act, name="act"),
    # --- figures and export (report_views.py) ---
    path("reports/", report_views.visit_report, name="report"),
    path("reports.xlsx", report_views.visit_report_xlsx, name="report_xlsx"),
    path("programmes/", report_views.programme_list, name="programmes"),
]
