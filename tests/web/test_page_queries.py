"""List pages and list endpoints stay cheap as a user's runs grow: a fixed number of queries (no N+1), and none of
the big per-run columns (snapshot, checkpoint, KPIs, region series, describe, agent state) read for a list row.

The run page reads the scenario snapshot it draws from, not the results (the viewer gets them over the WebSocket).
Creating a run reads the installed package versions once per process, not per run.
"""
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from web import scenario_services, services
from web.models import Run

BIG_RUN_COLUMNS = ("scenario_snapshot", "checkpoint", "kpis", "region_series", "describe", "agent_state")
RESULT_COLUMNS = ("checkpoint", "kpis", "region_series", "describe", "agent_state")


def _finished_run(owner, snapshot: dict, seed: int) -> Run:
    """A succeeded run with result columns of realistic size (a year of 20 region series, 3 agents' state)."""
    steps = 8760
    region = {f"q{i}_mw": [float(j % 97) for j in range(steps)] for i in range(20)}
    ids = [a["id"] for a in snapshot["actors"]]
    return Run.objects.create(
        owner=owner, scenario_name="tiny", scenario_snapshot=snapshot, seed=seed, status=Run.Status.SUCCEEDED,
        step=steps, total_steps=steps, kpis={"region": {"co2_t": 1.0}, "agents": {i: {"pue": 1.2} for i in ids}},
        region_series=region, describe={"region_quantities": list(region)},
        agent_state={"id": ids, "p_mw": [1.0] * len(ids)}, checkpoint=b"\0" * 100_000,
        package_versions={"numpy": "2"}, started_at=timezone.now(), finished_at=timezone.now(),
    )


@pytest.fixture
def client_of(owner):
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def api_client(owner):
    from rest_framework.authtoken.models import Token

    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=owner).key}"
    return client


def _run_selects(queries) -> list[str]:
    return [q["sql"] for q in queries if re.match(r'\s*SELECT .* FROM "web_run"', q["sql"], re.S)]


def _columns_read(sql: str) -> set[str]:
    select = sql.split(" FROM ", 1)[0]
    return set(re.findall(r'"web_run"\."(\w+)"', select))


def _get(client, path: str):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response, ctx.captured_queries


@pytest.mark.django_db
@pytest.mark.parametrize("path, limit", [("/runs/", 3), ("/runs/compare/", 3)])
def test_run_list_pages_fixed_query_count_without_big_columns(owner, tiny_data, client_of, path, limit):
    snapshot = scenario_services.scenario_normalised(tiny_data)
    _finished_run(owner, snapshot, 1)
    _, few = _get(client_of, path)
    for seed in range(2, 13):
        _finished_run(owner, snapshot, seed)
    response, many = _get(client_of, path)
    assert len(many) == len(few) <= limit, [q["sql"][:120] for q in many]  # session, user, runs: no N+1
    selects = _run_selects(many)
    assert selects
    for sql in selects:
        assert not _columns_read(sql) & set(BIG_RUN_COLUMNS), _columns_read(sql) & set(BIG_RUN_COLUMNS)
    assert response.content.count(b"data-run-id=") == 12 or path != "/runs/"


@pytest.mark.django_db
def test_api_run_list_fixed_query_count_without_big_columns(owner, tiny_data, api_client):
    snapshot = scenario_services.scenario_normalised(tiny_data)
    _finished_run(owner, snapshot, 1)
    _, few = _get(api_client, "/api/runs/?limit=20")
    for seed in range(2, 13):
        _finished_run(owner, snapshot, seed)
    response, many = _get(api_client, "/api/runs/?limit=20")
    assert len(many) == len(few) <= 3  # token + user, count, one page of runs
    for sql in _run_selects(many):
        assert not _columns_read(sql) & set(BIG_RUN_COLUMNS)
    rows = response.json()["results"]
    assert len(rows) == 12 and rows[0]["package_versions"] == {"numpy": "2"} and rows[0]["status"] == "succeeded"


def _scenario_selects(queries) -> list[str]:
    return [q["sql"] for q in queries if re.match(r'\s*SELECT .* FROM "web_scenario"', q["sql"], re.S)]


@pytest.mark.django_db
def test_scenario_list_fixed_query_count_and_documents_read_once(owner, tiny_data, client_of):
    scenario_services.scenario_create(owner, name="one", data=tiny_data)
    _, few = _get(client_of, "/scenarios/")
    for i in range(8):
        scenario_services.scenario_create(owner, name=f"more {i}", data=tiny_data)
    response, many = _get(client_of, "/scenarios/")
    assert len(many) == len(few) <= 4  # session, user, scenarios, the documents not summarised yet
    assert response.content.count(b'class="card scenario"') == 9
    _, again = _get(client_of, "/scenarios/")
    assert len(again) <= 3  # every summary known: no document read
    assert not any('"web_scenario"."data"' in sql.split(" FROM ")[0] for sql in _scenario_selects(again))


@pytest.mark.django_db
def test_scenario_list_shows_a_saved_change(owner, tiny_data, client_of):
    scenario = scenario_services.scenario_create(owner, name="one", data=tiny_data)
    before, _ = _get(client_of, "/scenarios/")
    changed = {**tiny_data, "actors": tiny_data["actors"][:], "region": {**tiny_data["region"], "name": "Elsewhere"}}
    scenario_services.scenario_update(scenario, data=changed)
    after, _ = _get(client_of, "/scenarios/")
    assert b"Elsewhere" not in before.content and b"Elsewhere" in after.content


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["", "screen/"])
def test_run_page_reads_the_snapshot_not_the_results(owner, tiny_data, client_of, suffix):
    run = _finished_run(owner, scenario_services.scenario_normalised(tiny_data), 7)
    response, queries = _get(client_of, f"/runs/{run.id}/{suffix}")
    assert len(queries) <= 4
    selects = _run_selects(queries)
    assert len(selects) == 1
    read = _columns_read(selects[0])
    assert "scenario_snapshot" in read and not read & set(RESULT_COLUMNS), read
    assert str(run.id).encode() in response.content


@pytest.mark.django_db
def test_api_run_detail_and_control_do_not_read_results(owner, tiny_data, api_client):
    run = _finished_run(owner, scenario_services.scenario_normalised(tiny_data), 7)
    response, queries = _get(api_client, f"/api/runs/{run.id}/")
    assert response.json()["id"] == str(run.id)
    for sql in _run_selects(queries):
        assert not _columns_read(sql) & set(BIG_RUN_COLUMNS)
    with CaptureQueriesContext(connection) as ctx:
        response = api_client.post(f"/api/runs/{run.id}/control/", {"action": "pause"}, content_type="application/json")
    assert response.status_code == 409  # a finished run cannot be paused; the answer still needs no results
    for sql in _run_selects(ctx.captured_queries):
        assert not _columns_read(sql) & set(BIG_RUN_COLUMNS)


@pytest.mark.django_db
def test_run_create_reads_package_versions_once_per_process(owner, tiny_data, monkeypatch):
    import agents

    calls = []
    real = agents.package_versions
    monkeypatch.setattr(agents, "package_versions", lambda: calls.append(1) or real())
    monkeypatch.setattr(services, "_enqueue", lambda run_id: None)
    services._package_versions.cache_clear()
    try:
        runs = [services.run_create(owner, tiny_data, seed, "tiny") for seed in range(3)]
    finally:
        services._package_versions.cache_clear()
    assert len(calls) == 1
    assert all(r.package_versions["numpy"] == real()["numpy"] for r in runs)
