"""Refuse request bodies above ``settings.TWIN_MAX_BODY_BYTES`` (2 MB) with HTTP 413.

The declared ``Content-Length`` is checked first; bodies without one (chunked) are read with a cap of
limit + 1 bytes, so an oversized body is never held in memory whole. A body that fits is kept on the
request exactly as Django would keep it (``request.body`` and form parsing keep working).
"""
from io import BytesIO

from django.conf import settings
from django.http import HttpResponse, JsonResponse

_METHODS_WITH_BODY = {"POST", "PUT", "PATCH", "DELETE"}


def _too_large_response(request, limit_bytes: int) -> HttpResponse:
    limit_mb = limit_bytes / (1024 * 1024)
    msg = f"Request body too large: the limit is {limit_mb:g} MB ({limit_bytes} bytes)."
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": [{"loc": "body", "msg": msg}]}, status=413)
    return HttpResponse(msg, status=413, content_type="text/plain; charset=utf-8")


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit_bytes = settings.TWIN_MAX_BODY_BYTES
        if request.method in _METHODS_WITH_BODY:
            raw_length = request.META.get("CONTENT_LENGTH") or ""
            try:
                declared = int(raw_length) if raw_length.strip() else None
            except ValueError:
                return HttpResponse("Invalid Content-Length header.", status=400, content_type="text/plain")
            if declared is not None and declared > limit_bytes:
                return _too_large_response(request, limit_bytes)
            if declared is None:
                body = request.read(limit_bytes + 1)
                if len(body) > limit_bytes:
                    return _too_large_response(request, limit_bytes)
                request._body = body
                request._stream = BytesIO(body)
        return self.get_response(request)
