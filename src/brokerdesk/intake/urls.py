from django.urls import path

from brokerdesk.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("<int:batch_id>/", views.batch_detail, name="batch_detail"),
]
