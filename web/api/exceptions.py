"""One error shape for the API: validation errors as ``{"errors": [{"loc": "a.b.0", "msg": "..."}]}`` (400).

Other errors keep DRF's ``{"detail": "..."}`` with their own status (401/403/404/405/409/413/429).
"""
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from agents import ScenarioValidationError

_NON_FIELD_KEYS = {"non_field_errors", "__all__"}


def flatten_errors(detail, loc: str = "") -> list[dict[str, str]]:
    """Flatten DRF's nested error detail (dicts of fields, lists per item) into ``loc``/``msg`` pairs."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            key = "" if key in _NON_FIELD_KEYS else str(key)
            out.extend(flatten_errors(value, f"{loc}.{key}" if loc and key else (key or loc)))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"loc": loc, "msg": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            if item:  # DRF reports list items without errors as {}
                out.extend(flatten_errors(item, f"{loc}.{index}" if loc else str(index)))
        return out
    return [{"loc": loc, "msg": str(detail)}]


def scenario_errors(exc: ScenarioValidationError, prefix: str = "") -> list[dict[str, str]]:
    """The core's validation errors, with their ``loc`` under ``prefix`` (e.g. ``data``)."""
    out = []
    for error in exc.errors:
        loc = str(error.get("loc", ""))
        out.append({"loc": f"{prefix}.{loc}" if prefix and loc else (loc or prefix), "msg": str(error.get("msg", ""))})
    return out or [{"loc": prefix, "msg": str(exc)}]


def errors_response(errors: list[dict[str, str]], status_code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"errors": errors}, status=status_code)


def api_exception_handler(exc, context):
    """DRF ``EXCEPTION_HANDLER``: validation errors in the ``errors`` shape, everything else as DRF does."""
    if isinstance(exc, ScenarioValidationError):
        return errors_response(scenario_errors(exc))
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    if isinstance(exc, exceptions.ValidationError):
        return errors_response(flatten_errors(exc.detail))
    if isinstance(exc, exceptions.ParseError):
        return errors_response([{"loc": "body", "msg": str(exc.detail)}])
    return exception_handler(exc, context)
