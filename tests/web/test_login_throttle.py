"""Login throttling per account AND per address (web/throttle.py): a locked-out attacker does not lock out the
real user — pages, /admin/login/ and /api/token/ alike (issue 15: the old limit was keyed on the address only,
so everyone behind one proxy was locked out, and /admin/login/ was never throttled)."""
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ATTACKER, REAL_USER = "10.0.0.66", "10.0.0.7"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_user("boss", password="pw-boss-12345", is_staff=True, is_superuser=True)


def login(address: str, username: str, password: str, path: str = "/login/"):
    return Client(REMOTE_ADDR=address).post(path, {"username": username, "password": password})


def logged_in(response) -> bool:
    return response.status_code == 302 and "sessionid" in response.cookies


def fail(times: int, address: str, username: str, path: str = "/login/") -> None:
    """``times`` wrong passwords; the one that reaches the limit is already answered 429."""
    for index in range(times):
        expected = 429 if index + 1 >= times_to_lock() else 200
        assert login(address, username, "wrong-password", path).status_code == expected


def times_to_lock() -> int:
    from django.conf import settings

    return settings.TWIN_LOGIN_FAILURE_LIMIT


def test_an_attacker_locks_only_their_own_address_out_of_the_account(owner, settings):
    fail(settings.TWIN_LOGIN_FAILURE_LIMIT, ATTACKER, "owner")
    locked = login(ATTACKER, "owner", "pw-owner-123")
    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()
    assert logged_in(login(REAL_USER, "owner", "pw-owner-123"))  # the real user, from their own address


def test_behind_one_proxy_other_accounts_still_log_in(owner, other_user, settings):
    fail(settings.TWIN_LOGIN_FAILURE_LIMIT + 2, ATTACKER, "owner")
    assert logged_in(login(ATTACKER, "other", "pw-other-123"))


def test_admin_login_is_throttled_the_same_way(admin, settings):
    fail(settings.TWIN_LOGIN_FAILURE_LIMIT, ATTACKER, "boss", "/admin/login/")
    assert login(ATTACKER, "boss", "pw-boss-12345", "/admin/login/").status_code == 429
    assert login(REAL_USER, "boss", "pw-boss-12345", "/admin/login/").status_code == 302


def test_the_token_api_is_throttled_per_account_and_address(owner, settings):
    attacker = APIClient(REMOTE_ADDR=ATTACKER)
    for index in range(settings.TWIN_LOGIN_FAILURE_LIMIT):
        wrong = attacker.post("/api/token/", {"username": "owner", "password": "wrong"}, format="json")
        assert wrong.status_code == (429 if index + 1 == settings.TWIN_LOGIN_FAILURE_LIMIT else 400)
    locked = attacker.post("/api/token/", {"username": "owner", "password": "pw-owner-123"}, format="json")
    assert locked.status_code == 429 and "Too many" in locked.json()["detail"]
    real = APIClient(REMOTE_ADDR=REAL_USER).post("/api/token/", {"username": "owner", "password": "pw-owner-123"},
                                                  format="json")
    assert real.status_code == 200 and real.json()["token"]


def test_a_successful_login_resets_the_count(owner, settings):
    fail(settings.TWIN_LOGIN_FAILURE_LIMIT - 1, REAL_USER, "owner")
    assert logged_in(login(REAL_USER, "owner", "pw-owner-123"))
    fail(settings.TWIN_LOGIN_FAILURE_LIMIT - 1, REAL_USER, "owner")
    assert logged_in(login(REAL_USER, "owner", "pw-owner-123"))


@pytest.fixture
def axes_clock(monkeypatch):
    """django-axes' clock (the time it stamps on every login attempt), moved only by the test: a real 1-s cool-off
    lapsed on a loaded machine while the ten failures were still being posted, and the count restarted."""
    import types

    import axes.handlers.proxy
    from django.utils import timezone

    clock = types.SimpleNamespace(now=timezone.now())
    monkeypatch.setattr(axes.handlers.proxy, "now", lambda: clock.now)
    return clock


def test_the_lock_ends_after_the_cool_off(owner, settings, axes_clock):
    fail(settings.TWIN_LOGIN_FAILURE_LIMIT, ATTACKER, "owner")
    assert login(ATTACKER, "owner", "pw-owner-123").status_code == 429  # (a refused attempt restarts the cool-off)
    axes_clock.now += settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    assert login(ATTACKER, "owner", "pw-owner-123").status_code == 429
    axes_clock.now += settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    assert logged_in(login(ATTACKER, "owner", "pw-owner-123"))


@pytest.fixture
def frozen_rate_window(monkeypatch):
    """django-ratelimit counts in fixed windows whose end is staggered per key; a window ending between the
    sprayer's fifth and sixth POST restarted the count (a CI flake). Its clock is pinned here."""
    import types

    import django_ratelimit.core

    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: 1_800_000_000.0))


def test_one_address_spraying_many_accounts_is_slowed(owner, settings, frozen_rate_window):
    settings.TWIN_LOGIN_RATE_PER_ADDRESS = "5/m"
    for index in range(5):
        assert login(ATTACKER, f"user{index}", "guess").status_code == 200
    sprayed = login(ATTACKER, "owner", "pw-owner-123")
    assert sprayed.status_code == 429 and "from your address" in sprayed.content.decode()
    assert logged_in(login(REAL_USER, "owner", "pw-owner-123"))
