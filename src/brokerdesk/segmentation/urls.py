from django.urls import path

from brokerdesk.segmentation import views

app_name = "segmentation"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("run/", views.run_now, name="run_now"),
    path("<int:segment_id>/members/", views.members, name="members"),
    path("rules/", views.rule_set_list, name="rule_sets"),
    path("rules/new/", views.rule_set_new, name="rule_set_new"),
    path("rules/row/", views.rule_row, name="rule_row"),
    path("rules/<int:rule_set_id>/", views.rule_set_detail, name="rule_set"),
    path("rules/<int:rule_set_id>/preview/", views.rule_set_preview, name="rule_set_preview"),
    path("rules/<int:rule_set_id>/submit/", views.rule_set_submit, name="rule_set_submit"),
    path("rules/<int:rule_set_id>/approve/", views.rule_set_approve, name="rule_set_approve"),
    path("rules/<int:rule_set_id>/return/", views.rule_set_return, name="rule_set_return"),
    path("rules/<int:rule_set_id>/withdraw/", views.rule_set_withdraw, name="rule_set_withdraw"),
]
