"""Limit/offset pagination with a maximum page: ``?limit=`` above ``MAX_LIMIT`` returns ``MAX_LIMIT`` rows."""
from rest_framework.pagination import LimitOffsetPagination

from ..jsonlimits import int_query_param

MAX_LIMIT = 200


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """DRF's limit/offset with ``max_limit``; a non-integer or out-of-range ``limit``/``offset`` is a 400."""

    default_limit = 50
    max_limit = MAX_LIMIT

    def get_limit(self, request):
        # any integer ≥ 1 is accepted and capped at max_limit (e.g. ?limit=1000000 → 200 rows)
        value = int_query_param(request.query_params, self.limit_query_param, minimum=1, maximum=10**19 - 1)
        return self.default_limit if value is None else min(value, self.max_limit)

    def get_offset(self, request):
        value = int_query_param(request.query_params, self.offset_query_param, minimum=0)
        return 0 if value is None else value
