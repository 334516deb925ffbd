"""WebSocket routes of this app (gathered by brokerdesk.realtime)."""

from django.urls import path

from brokerdesk.messaging.web_chat import consumers

websocket_urlpatterns: list = [
    path("ws/chat/agent/<int:session_id>/", consumers.AgentChatConsumer.as_asgi()),
    path("ws/chat/<str:token>/", consumers.ClientChatConsumer.as_asgi()),
]
