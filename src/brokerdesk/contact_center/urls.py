from django.urls import path

from brokerdesk.contact_center.views import callbacks, desk, interactions, wallboard

app_name = "contact_center"
urlpatterns = [
    path("desk/", desk.desk, name="desk"),
    path("desk/panel/", desk.desk_panel, name="desk_panel"),
    path("desk/pop/", desk.desk_pop, name="desk_pop"),
    path("desk/state/", desk.desk_state, name="desk_state"),
    path("calls/<int:call_id>/wrap-up/", desk.wrap_up, name="call_wrap_up"),
    path("calls/<int:call_id>/transfer/", desk.transfer, name="call_transfer"),
    path("calls/<int:call_id>/note/", desk.note, name="call_note"),
    path("calls/<int:call_id>/visit/", desk.request_visit, name="call_visit"),
    path("desk/knowledge/", desk.knowledge, name="desk_knowledge"),
    path("callbacks/", callbacks.callbacks, name="callbacks"),
    path("callbacks/<int:callback_id>/done/", callbacks.callback_done, name="callback_done"),
    path("wallboard/", wallboard.wallboard, name="wallboard"),
    path("wallboard/figures/", wallboard.wallboard_figures, name="wallboard_figures"),
    path("wallboard/<int:center_id>/", wallboard.wallboard_center, name="wallboard_center"),
    path("wallboard/<int:center_id>/figures/", wallboard.wallboard_center_figures, name="wallboard_center_figures"),
    path("reports/", wallboard.reports, name="reports"),
    path("interactions/<int:interaction_id>/", interactions.interaction_detail, name="interaction"),
]
