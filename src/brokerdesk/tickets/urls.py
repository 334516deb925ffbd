from django.urls import path

from brokerdesk.tickets import reports, views

app_name = "tickets"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.create, name="create"),
    path("reports/monthly/", reports.monthly_report, name="monthly_report"),
    path("reports/monthly.xlsx", reports.monthly_report_xlsx, name="monthly_report_xlsx"),
    path("reports/annual/", reports.annual_report, name="annual_report"),
    path("reports/annual.xlsx", reports.annual_report_xlsx, name="annual_report_xlsx"),
    path("<int:ticket_id>/", views.detail, name="detail"),
    path("<int:ticket_id>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("<int:ticket_id>/<slug:action>/", views.act, name="act"),
]
