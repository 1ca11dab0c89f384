"""WebSocket URLs (owned by the streaming work)."""
from django.urls import path

from .consumers import RunConsumer
from .sweep_streaming import SweepConsumer

websocket_urlpatterns = [
    path("ws/runs/<uuid:run_id>/", RunConsumer.as_asgi()),
    path("ws/sweeps/<uuid:sweep_id>/", SweepConsumer.as_asgi()),
]
