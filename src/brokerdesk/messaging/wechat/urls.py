from django.urls import path

from brokerdesk.messaging.wechat import views

app_name = "wechat"
urlpatterns = [
    path("callback", views.callback, name="callback"),
    path("bind/<int:customer_id>/", views.binding_code, name="binding_code"),
]
