"""WebSocket routes. Apps that push to the browser (screen-pop, wallboards, web chat) list their consumers in
their own routing module; this gathers them."""

from brokerdesk.contact_center.routing_ws import websocket_urlpatterns as contact_center_ws
from brokerdesk.messaging.web_chat.routing_ws import websocket_urlpatterns as web_chat_ws

websocket_urlpatterns: list = [*contact_center_ws, *web_chat_ws]
