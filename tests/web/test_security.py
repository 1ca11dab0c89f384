"""API security: owners only (404 for others), auth required, token auth, CSRF, rate limit, body size cap."""
import io
import json

import pytest
from django.core.cache import cache
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from web import services
from web.middleware import BodySizeLimitMiddleware
from web.models import Run, Scenario

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def scenario(owner, tiny_data) -> Scenario:
    return Scenario.objects.create(owner=owner, name="Owner's", data=tiny_data)


@pytest.fixture
def run(owner, tiny_data, scenario) -> Run:
    """The owner's run, executed for real so every result endpoint has something to serve."""
    run = services.run_create(owner, tiny_data, seed=2, name="Owner's", scenario=scenario)
    outcome = services.run_execute(run.id, "test-worker")
    run = Run.objects.get(pk=run.id)
    assert outcome == "succeeded", run.error
    return run


def endpoints(scenario: Scenario, run: Run, tiny_data: dict) -> list[tuple[str, str, dict | None]]:
    """(method, url, json body) of every endpoint that addresses one scenario or run."""
    s, r = f"/api/scenarios/{scenario.id}/", f"/api/runs/{run.id}/"
    return [
        ("get", s, None),
        ("put", s, {"name": "Taken over", "data": tiny_data}),
        ("patch", s, {"description": "taken over"}),
        ("delete", s, None),
        ("get", r, None),
        ("post", r + "control/", {"action": "cancel"}),
        ("post", r + "rerun/", {"seed": 1}),
        ("get", r + "snapshot/", None),
        ("get", r + "kpis/", None),
        ("get", r + "series.csv", None),
        ("get", r + "series.parquet", None),
        ("post", "/api/runs/", {"scenario_id": scenario.id}),
    ]


def call(client, method: str, url: str, body):
    return getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)


def test_the_owner_reaches_every_endpoint(owner, scenario, run, tiny_data):
    client = APIClient()
    client.force_login(owner)
    expected = {"get": 200, "put": 200, "patch": 200, "delete": 204, "post": 200}
    for method, url, body in endpoints(scenario, run, tiny_data):
        if method == "delete" or url.endswith("control/"):
            continue  # keep the scenario and the finished run for the other calls
        status = 201 if url.endswith(("rerun/", "/api/runs/")) else expected[method]
        assert call(client, method, url, body).status_code == status, (method, url)


def test_another_user_gets_404_on_every_endpoint_and_changes_nothing(other_user, owner, scenario, run, tiny_data):
    client = APIClient()
    client.force_login(other_user)
    runs_before = Run.objects.count()
    for method, url, body in endpoints(scenario, run, tiny_data):
        response = call(client, method, url, body)
        assert response.status_code == 404, (method, url, response.status_code)
        assert "Owner" not in response.content.decode(), (method, url)
    scenario.refresh_from_db()
    assert scenario.name == "Owner's" and scenario.description == ""
    assert Run.objects.count() == runs_before and Run.objects.get(pk=run.id).status == "succeeded"
    assert client.get("/api/scenarios/").json()["results"] == []
    assert client.get("/api/runs/").json()["results"] == []


def test_unknown_ids_are_404(owner):
    client = APIClient()
    client.force_login(owner)
    for url in ("/api/scenarios/987654/", "/api/runs/00000000-0000-4000-8000-000000000000/",
                "/api/runs/00000000-0000-4000-8000-000000000000/kpis/"):
        assert client.get(url).status_code == 404, url


def test_anonymous_requests_are_refused_everywhere(scenario, run, tiny_data):
    client = APIClient()
    listing = [("get", "/api/scenarios/", None), ("post", "/api/scenarios/", {"name": "x", "data": tiny_data}),
               ("get", "/api/runs/", None), ("post", "/api/scenarios/validate/", tiny_data)]
    for method, url, body in listing + endpoints(scenario, run, tiny_data):
        response = call(client, method, url, body)
        assert response.status_code == 401 and response["WWW-Authenticate"] == "Token", (method, url)
    assert Scenario.objects.count() == 1 and Run.objects.count() == 1


def test_token_auth_obtains_and_uses_a_token(owner, scenario):
    client = APIClient()
    response = client.post("/api/token/", {"username": "owner", "password": "pw-owner-123"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=owner).key == token
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert [s["id"] for s in client.get("/api/scenarios/").json()["results"]] == [scenario.id]
    # token-authenticated writes need no CSRF token
    assert client.post("/api/runs/", {"scenario_id": scenario.id}, format="json").status_code == 201
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/scenarios/").status_code == 401


def test_token_with_a_wrong_password_is_refused(owner):
    response = APIClient().post("/api/token/", {"username": "owner", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["msg"].startswith("Unable to log in")
    assert not Token.objects.exists()


def test_token_requests_are_rate_limited_per_ip_and_user(owner, other_user, settings):
    client = APIClient()
    for _ in range(settings.TWIN_LOGIN_FAILURE_LIMIT - 1):
        assert client.post("/api/token/", {"username": "owner", "password": "wrong"}, format="json").status_code == 400
    assert client.post("/api/token/", {"username": "owner", "password": "wrong"}, format="json").status_code == 429
    limited = client.post("/api/token/", {"username": "owner", "password": "pw-owner-123"}, format="json")
    assert limited.status_code == 429 and "Too many" in limited.json()["detail"]
    # another user from the same address is not locked out by the first one's attempts
    other = client.post("/api/token/", {"username": "other", "password": "pw-other-123"}, format="json")
    assert other.status_code == 200


def test_csrf_is_enforced_on_session_authenticated_writes(owner, tiny_data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    body = json.dumps({"name": "Via session", "data": tiny_data})
    refused = client.post("/api/scenarios/", body, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert not Scenario.objects.filter(name="Via session").exists()

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    accepted = client.post("/api/scenarios/", body, content_type="application/json", HTTP_X_CSRFTOKEN=secret)
    assert accepted.status_code == 201, accepted.content
    # safe methods need no token
    assert Client(enforce_csrf_checks=True).get("/api/scenarios/schema/").status_code == 200


def test_body_over_2_mb_is_413_with_a_clear_message(owner):
    client = APIClient()
    client.force_login(owner)
    padding = "x" * (2 * MB)
    response = client.post("/api/scenarios/validate/", {"name": padding}, format="json")
    assert response.status_code == 413
    assert "2 MB" in response.json()["errors"][0]["msg"]
    assert client.post("/api/runs/", {"scenario": {"name": padding}, "name": "big"}, format="json").status_code == 413
    assert Run.objects.count() == 0


def test_body_just_under_the_limit_passes_the_middleware(owner):
    client = APIClient()
    client.force_login(owner)
    body = json.dumps({"name": "x" * (2 * MB - 100)})
    response = client.generic("POST", "/api/scenarios/validate/", body, content_type="application/json")
    assert response.status_code == 400  # reaches validation: an incomplete scenario


def _asgi_request(body: bytes, path: str = "/api/scenarios/validate/") -> ASGIRequest:
    """A request without Content-Length (as with chunked transfer), as the ASGI handler builds it."""
    scope = {"type": "http", "method": "POST", "path": path, "headers": [(b"content-type", b"application/json")],
             "query_string": b"", "server": ("testserver", 80), "client": ("127.0.0.1", 5000)}
    return ASGIRequest(scope, io.BytesIO(body))


def test_body_without_content_length_is_read_with_a_cap(settings):
    seen = []

    def downstream(request):
        seen.append(request.body)
        return HttpResponse("ok")

    middleware = BodySizeLimitMiddleware(downstream)
    big = _asgi_request(b"x" * (2 * MB + 1))
    assert "CONTENT_LENGTH" not in big.META
    assert middleware(big).status_code == 413 and seen == []

    small = _asgi_request(b'{"a": 1}')
    assert middleware(small).status_code == 200
    assert seen == [b'{"a": 1}']


def test_pages_outside_the_api_also_refuse_big_bodies(owner):
    client = Client()
    response = client.post("/", {"username": "x" * (2 * MB + 10)})
    assert response.status_code == 413
    assert b"2 MB" in response.content
