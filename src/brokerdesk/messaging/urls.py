from django.urls import path

from brokerdesk.messaging import views

app_name = "messaging"
urlpatterns: list = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:message_id>/", views.outbox_detail, name="outbox_detail"),
    path("outbox/<int:message_id>/retry/", views.outbox_retry, name="outbox_retry"),
    path("sms/receipts/", views.sms_receipt, name="sms_receipt"),
]
