"""Login throttling per account AND per address (docs/security.md).

Two layers, for the page login, ``/admin/login/`` and ``/api/token/`` alike:

* **Per account and address** (django-axes, ``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]``): after
  ``TWIN_LOGIN_FAILURE_LIMIT`` wrong passwords for one username from one address, that pair is locked for
  ``TWIN_LOGIN_COOLOFF_MIN`` minutes — even the right password is refused from there. The same account from
  any other address, and other accounts from the same address, are unaffected: a locked-out attacker does not
  lock out the real user. A successful login resets the pair's count. Axes hooks ``authenticate()``, so every
  login path is covered.
* **Per address** (``LoginAddressThrottleMiddleware``): at most ``TWIN_LOGIN_RATE_PER_ADDRESS`` login POSTs
  (default 100 per 10 minutes) from one address, whatever the usernames — a password sprayer is slowed
  without a classroom behind one NAT (40 logins at once) being locked out.

Both answer HTTP 429: the login page with a message, JSON ``{"detail": ...}`` under ``/api/``.
"""
from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

LOGIN_PATHS = ("/login/", "/admin/login/", "/api/token/")


def client_address(request) -> str:
    """The address throttles are keyed on: ``REMOTE_ADDR`` (set ``SECURE_PROXY`` handling at the proxy)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _too_many(request, message: str):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    form = AuthenticationForm(request)
    return render(request, "web/login.html", {"form": form, "rate_limited": True, "throttle_message": message,
                                              "next": request.GET.get("next", "")}, status=429)


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: this account is locked for this address (other addresses can still log in)."""
    minutes = settings.TWIN_LOGIN_COOLOFF_MIN
    return _too_many(request, _("Too many failed logins for this account from your address. "
                                "Try again in %(minutes)s minutes.") % {"minutes": minutes})


class LoginAddressThrottleMiddleware:
    """At most ``TWIN_LOGIN_RATE_PER_ADDRESS`` login POSTs per address (all login paths together) → 429."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path in LOGIN_PATHS:
            limited = is_ratelimited(request, group="login-address", key=lambda g, r: client_address(r),
                                     rate=settings.TWIN_LOGIN_RATE_PER_ADDRESS, method="POST", increment=True)
            if limited:
                return _too_many(request, _("Too many login attempts from your address. "
                                            "Please wait a few minutes and try again."))
        return self.get_response(request)


class ThrottledLoginBackend(AxesStandaloneBackend):
    """django-axes' lockout check for HTTP logins; ``authenticate()`` without a request (scripts, the shell, the
    tests' ``authenticate(username=…)``) is not an HTTP login and passes on to ``ModelBackend``."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
