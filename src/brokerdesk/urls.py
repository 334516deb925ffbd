from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from brokerdesk.api import api
from brokerdesk.core import views as core_views
from brokerdesk.tickets import views as ticket_views

handler403 = "brokerdesk.core.views.permission_denied"
handler404 = "brokerdesk.core.views.page_not_found"
admin.site.site_header = "brokerdesk"
admin.site.site_title = "brokerdesk"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("customers/", include("brokerdesk.customers.urls")),
    path("intake/", include("brokerdesk.intake.urls")),
    path("segments/", include("brokerdesk.segmentation.urls")),
    path("tickets/", include("brokerdesk.tickets.urls")),
    path("plans/", include("brokerdesk.service_plans.urls")),
    path("visits/", include("brokerdesk.visits.urls")),
    path("cc/", include("brokerdesk.contact_center.urls")),
    path("kb/", include("brokerdesk.knowledge.urls")),
    path("chat/", include("brokerdesk.messaging.web_chat.urls")),
    path("wechat/", include("brokerdesk.messaging.wechat.urls")),
    path("messages/", include("brokerdesk.messaging.urls")),
    path("surveys/nps/", include("brokerdesk.surveys.analytics_urls")),
    path("surveys/", include("brokerdesk.surveys.urls")),
    path("feedback/", ticket_views.public_form, name="public_feedback"),
    path("", include("brokerdesk.core.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
