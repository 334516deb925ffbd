from django.urls import path

from brokerdesk.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_search, name="search"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
    path("<int:customer_id>/unmask/", views.customer_unmask, name="unmask"),
    path("<int:customer_id>/notes/", views.customer_note_add, name="note_add"),
]
