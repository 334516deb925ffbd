"""WebSocket routes of this app (gathered by brokerdesk.realtime)."""

from django.urls import path

from brokerdesk.contact_center import consumers

websocket_urlpatterns: list = [
    path("ws/cc/desktop/", consumers.DesktopConsumer.as_asgi()),
    path("ws/cc/wallboard/<int:center_id>/", consumers.WallboardConsumer.as_asgi()),
]
