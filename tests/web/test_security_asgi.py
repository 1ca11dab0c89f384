"""The ASGI body cap (twin/asgi.py wraps Django's HTTP app): oversized bodies are refused before Django reads them."""
import asyncio
import http.client
import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.asgi import get_asgi_application
from netports import free_port

from web.middleware import BodySizeLimitASGIMiddleware

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


def http_scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }


async def respond(scope: dict, chunks: list[bytes]) -> tuple[int, bytes, int]:
    """Offer the body in ``chunks``, one per ``receive()`` the app makes; return status, body and chunks it read.

    The app pulls every chunk itself, so how many it read does not depend on the machine's speed (a fixed 50 ms
    wait for an answer between chunks did: on a loaded machine the answer came after the 4th chunk was sent).
    """
    read = 0

    async def receive():
        nonlocal read
        if read < len(chunks):
            read += 1
            return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}
        await asyncio.Future()  # the client has sent its whole body and stays connected

    messages = []

    async def send(message):
        messages.append(message)

    app = BodySizeLimitASGIMiddleware(get_asgi_application())
    await asyncio.wait_for(app(scope, receive, send), timeout=60)
    start, *body_messages = messages
    assert start["type"] == "http.response.start" and not body_messages[-1].get("more_body")
    return start["status"], b"".join(m.get("body", b"") for m in body_messages), read


async def test_chunked_body_over_the_limit_is_refused_without_reading_the_rest():
    status, body, sent = await respond(http_scope("/api/scenarios/validate/", []), [b"x" * MB] * 4)
    assert status == 413
    assert "2 MB" in json.loads(body)["errors"][0]["msg"]
    assert sent == 3  # answered as soon as the running total passed 2 MB


async def test_declared_length_over_the_limit_is_refused_before_any_body():
    scope = http_scope("/api/scenarios/validate/", [(b"content-length", str(3 * MB).encode())])
    communicator = ApplicationCommunicator(BodySizeLimitASGIMiddleware(get_asgi_application()), scope)
    start = await communicator.receive_output(timeout=30)
    assert start["status"] == 413
    await communicator.receive_output(timeout=30)
    await communicator.wait(timeout=30)


async def test_body_within_the_limit_reaches_django_intact():
    status, body, sent = await respond(http_scope("/api/scenarios/validate/", []), [b"{", b'"a": 1}'])
    assert sent == 2
    assert status == 401  # Django and DRF got the whole request: anonymous → 401, not 413


@pytest.fixture(scope="module")
def daphne_server(tmp_path_factory):
    """The real ASGI application (twin.asgi) served by daphne on a free port (one server for this module)."""
    env = dict(os.environ, TWIN_VAR_DIR=str(tmp_path_factory.mktemp("daphne")), DJANGO_SETTINGS_MODULE="twin.settings", TWIN_MODE="embedded")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=120)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "twin.asgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120  # a loaded 2-core CI machine can take a while to import Django and bind
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(f"daphne did not start: {proc.stderr.read().decode()[-2000:]}")
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def test_daphne_refuses_a_chunked_3_mb_body_with_413(daphne_server):
    connection = http.client.HTTPConnection("127.0.0.1", daphne_server, timeout=20)
    connection.putrequest("POST", "/api/scenarios/validate/")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    try:
        for _ in range(3):
            chunk = b"x" * MB
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        connection.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may close the connection once it has answered
    response = connection.getresponse()
    assert response.status == 413
    assert "2 MB" in json.loads(response.read())["errors"][0]["msg"]
    connection.close()

    small = http.client.HTTPConnection("127.0.0.1", daphne_server, timeout=20)
    small.request("GET", "/api/scenarios/schema/")
    assert small.getresponse().status == 200


def test_daphne_serves_the_api_docs_and_their_assets_offline(daphne_server):
    def get(path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", daphne_server, timeout=20)
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()

    status, page = get("/api/docs/")
    assert status == 200 and b"https://" not in page
    for asset in (b"swagger-ui-bundle.js", b"swagger-ui.css"):
        start = page.index(b"/static/drf_spectacular_sidecar/swagger-ui-dist/" + asset)
        url = page[start:page.index(b'"', start)].decode()
        asset_status, body = get(url)
        assert asset_status == 200 and len(body) > 10_000, url
    status, schema = get("/api/schema/?format=json")
    assert status == 200 and b'"/api/runs/{run_id}/control/"' in schema


@pytest.fixture
def token_and_run(transactional_db, owner, tiny_data, drain_runs, wait_until):
    """A token of the owner and one succeeded run (executed by the embedded worker after commit)."""
    from rest_framework.authtoken.models import Token

    from web import services
    from web.models import Run

    run = services.run_create(owner, tiny_data, seed=4, name="Tiny")
    run = wait_until(lambda: (r := Run.objects.get(pk=run.id)).status in Run.FINISHED and r)
    assert run.status == Run.Status.SUCCEEDED, run.error
    return Token.objects.create(user=owner).key, run


async def asgi_get(path: str, token: str) -> tuple[int, dict, list[bytes]]:
    scope = dict(http_scope(path, [(b"authorization", f"Token {token}".encode())]), method="GET")
    communicator = ApplicationCommunicator(BodySizeLimitASGIMiddleware(get_asgi_application()), scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(timeout=30)
    chunks = []
    while True:
        message = await communicator.receive_output(timeout=30)
        if message.get("body"):
            chunks.append(message["body"])
        if not message.get("more_body"):
            break
    await communicator.wait(timeout=30)
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, chunks


async def test_downloads_stream_chunk_by_chunk_under_asgi(token_and_run, monkeypatch, recwarn):
    import pyarrow.parquet as pq

    from web.api import downloads

    token, run = token_and_run
    monkeypatch.setattr(downloads, "CSV_BATCH_ROWS", 8)
    monkeypatch.setattr(downloads, "FILE_CHUNK_BYTES", 4096)

    status, headers, chunks = await asgi_get(f"/api/runs/{run.id}/series.csv", token)
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert len(chunks) == 6  # 48 rows in batches of 8, each sent as it is converted
    assert b"".join(chunks).decode().count("\n") == 49

    status, headers, chunks = await asgi_get(f"/api/runs/{run.id}/series.parquet", token)
    data = b"".join(chunks)
    assert status == 200 and int(headers["content-length"]) == len(data)
    assert len(chunks) == -(-len(data) // 4096) > 1
    assert pq.read_table(io.BytesIO(data)).equals(pq.read_table(run.series_path))
    assert not [w for w in recwarn if "must consume" in str(w.message)], "Django buffered the body"
