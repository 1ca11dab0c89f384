"""WebSocket URLs (owned by the streaming work)."""
websocket_urlpatterns = []
