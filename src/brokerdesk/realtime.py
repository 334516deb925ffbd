"""WebSocket routes. Apps that push to the browser (screen-pop, wallboards) add their consumers here."""

websocket_urlpatterns: list = []
