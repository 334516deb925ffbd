"""Pages under /plans/. Each area's views module declares its own urlpatterns; they are joined here."""

from brokerdesk.service_plans.views import assessments, fair_fee, packages, permissions, suitability

app_name = "service_plans"
urlpatterns = [
    *packages.urlpatterns,
    *suitability.urlpatterns,
    *assessments.urlpatterns,
    *permissions.urlpatterns,
    *fair_fee.urlpatterns,
]
