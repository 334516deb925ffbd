from django.urls import path

from brokerdesk.messaging.web_chat import views

app_name = "web_chat"

urlpatterns = [
    # The client's widget (public: no login).
    path("", views.widget, name="widget"),
    path("start/", views.start, name="start"),
    path("articles/<int:article_id>/", views.article, name="article"),
    # The agents' console.
    path("console/", views.console, name="console"),
    path("console/<int:session_id>/", views.console_session, name="session"),
    path("console/<int:session_id>/<slug:action>/", views.console_act, name="act"),
]
