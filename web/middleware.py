"""Refuse request bodies above ``settings.TWIN_MAX_BODY_BYTES`` (2 MB) with HTTP 413.

Two layers. ``BodySizeLimitASGIMiddleware`` wraps the ASGI HTTP app (twin/asgi.py): it answers 413 from the
declared ``Content-Length`` or as soon as the received chunks pass the limit, before Django spools the body.
``BodySizeLimitMiddleware`` (Django MIDDLEWARE, also under WSGI and the test client) checks
``Content-Length`` and reads bodies without one with a cap of limit + 1 bytes; a body that fits is kept on
the request exactly as Django keeps it (``request.body`` and form parsing keep working).
"""
import json
from io import BytesIO

from django.conf import settings
from django.http import HttpResponse, JsonResponse

_METHODS_WITH_BODY = {"POST", "PUT", "PATCH", "DELETE"}


def too_large_message(limit_bytes: int) -> str:
    return f"Request body too large: the limit is {limit_bytes / (1024 * 1024):g} MB ({limit_bytes} bytes)."


def _too_large_response(request, limit_bytes: int) -> HttpResponse:
    msg = too_large_message(limit_bytes)
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": [{"loc": "body", "msg": msg}]}, status=413)
    return HttpResponse(msg, status=413, content_type="text/plain; charset=utf-8")


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit_bytes = settings.TWIN_MAX_BODY_BYTES
        raw_length = request.META.get("CONTENT_LENGTH") or ""
        try:
            declared = int(raw_length) if raw_length.strip() else None
        except ValueError:
            return HttpResponse("Invalid Content-Length header.", status=400, content_type="text/plain")
        if declared is not None and declared > limit_bytes:
            return _too_large_response(request, limit_bytes)
        if request.method in _METHODS_WITH_BODY:
            if declared is None:
                body = request.read(limit_bytes + 1)
                if len(body) > limit_bytes:
                    return _too_large_response(request, limit_bytes)
                request._body = body
                request._stream = BytesIO(body)
        return self.get_response(request)


class BodySizeLimitASGIMiddleware:
    """ASGI wrapper of the HTTP app: 413 for bodies over the limit, holding at most limit bytes meanwhile.

    The body is read here (Django's ASGI handler reads it whole before any middleware anyway) and replayed
    to the wrapped app; an oversized body is answered at once, without reading the rest.
    """

    def __init__(self, app, limit_bytes: int | None = None):
        self.app = app
        self.limit_bytes = limit_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit_bytes = self.limit_bytes if self.limit_bytes is not None else settings.TWIN_MAX_BODY_BYTES
        for name, value in scope.get("headers", []):
            if name.lower() == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
                if declared is not None and declared > limit_bytes:
                    return await self._refuse(scope, send, limit_bytes)
        buffered, size = [], 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break  # http.disconnect: let the app see it
            size += len(message.get("body", b""))
            if size > limit_bytes:
                return await self._refuse(scope, send, limit_bytes)
            if not message.get("more_body", False):
                break

        async def replay():
            return buffered.pop(0) if buffered else await receive()

        return await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope, send, limit_bytes: int) -> None:
        msg = too_large_message(limit_bytes)
        if scope.get("path", "").startswith("/api/"):
            body, content_type = json.dumps({"errors": [{"loc": "body", "msg": msg}]}).encode(), b"application/json"
        else:
            body, content_type = msg.encode(), b"text/plain; charset=utf-8"
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", content_type), (b"content-length", str(len(body)).encode()), (b"connection", b"close"),
        ]})
        await send({"type": "http.response.body", "body": body})
