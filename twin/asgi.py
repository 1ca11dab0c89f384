"""ASGI entry point: HTTP via Django, WebSockets via Channels."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twin.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from web.executor import start_embedded  # noqa: E402
from web.middleware import BodySizeLimitASGIMiddleware  # noqa: E402
from web.routing import websocket_urlpatterns  # noqa: E402
from web.warmup import warm_up  # noqa: E402

start_embedded()  # embedded mode: reaper thread + re-enqueue runs left queued (no-op when distributed)
warm_up()  # URLconf, views and the model core imported before the first request, not during it

application = ProtocolTypeRouter(
    {
        "http": BodySizeLimitASGIMiddleware(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
