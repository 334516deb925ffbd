from django.urls import path

from brokerdesk.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("new/", views.article_create, name="create"),
    path("<int:article_id>/", views.article_detail, name="detail"),
    path("<int:article_id>/edit/", views.article_edit, name="edit"),
    path("<int:article_id>/<slug:action>/", views.article_act, name="act"),
]
