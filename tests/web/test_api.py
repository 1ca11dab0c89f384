"""REST API: scenarios (CRUD, validate, schema), runs (create, list, get, control, rerun), results, docs."""
import copy
import io

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

from web import services
from web.models import Run, Scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient()
    client.force_login(owner)
    return client


@pytest.fixture
def scenario(owner, tiny_data) -> Scenario:
    return Scenario.objects.create(owner=owner, name="Tiny", data=tiny_data)


@pytest.fixture
def queued_run(owner, tiny_data, scenario) -> Run:
    """A run row that is not executed (inside the test transaction nothing is enqueued)."""
    return services.run_create(owner, tiny_data, seed=5, name="Tiny", scenario=scenario)


@pytest.fixture
def succeeded_run(owner, tiny_data, scenario) -> Run:
    """A run executed for real by the same service the workers call."""
    run = services.run_create(owner, tiny_data, seed=5, name="Tiny", scenario=scenario)
    outcome = services.run_execute(run.id, "test-worker")
    run = Run.objects.get(pk=run.id)
    assert outcome == "succeeded", run.error
    return run


def broken(tiny_data: dict) -> dict:
    data = copy.deepcopy(tiny_data)
    data["actors"][1]["it_capacity_mw"] = -5
    return data


# Scenarios -------------------------------------------------------------------------------------


def test_create_list_update_and_delete_a_scenario(api, tiny_data):
    created = api.post("/api/scenarios/", {"name": "Mine", "description": "d", "data": tiny_data}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert {"id", "name", "description", "data", "is_demo", "created_at", "updated_at"} <= set(body)
    assert body["is_demo"] is False and body["data"]["name"] == "tiny"
    url = f"/api/scenarios/{body['id']}/"

    listed = api.get("/api/scenarios/").json()
    assert [s["name"] for s in listed["results"]] == ["Mine"] and listed["count"] == 1

    assert api.patch(url, {"description": "changed"}, format="json").json()["description"] == "changed"
    replaced = dict(body, name="Renamed", data=dict(tiny_data, seed=11))
    put = api.put(url, replaced, format="json")
    assert put.status_code == 200 and put.json()["name"] == "Renamed" and put.json()["data"]["seed"] == 11
    assert Scenario.objects.get(pk=body["id"]).data["seed"] == 11

    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_invalid_scenario_is_refused_with_field_paths_on_every_write(api, tiny_data, scenario):
    created = api.post("/api/scenarios/", {"name": "Bad", "data": broken(tiny_data)}, format="json")
    assert created.status_code == 400
    errors = created.json()["errors"]
    assert any(e["loc"] == "data.actors.1.it_capacity_mw" and e["msg"] for e in errors), errors
    assert not Scenario.objects.filter(name="Bad").exists()

    patched = api.patch(f"/api/scenarios/{scenario.id}/", {"data": broken(tiny_data)}, format="json")
    assert patched.status_code == 400
    assert patched.json()["errors"][0]["loc"] == "data.actors.1.it_capacity_mw"
    scenario.refresh_from_db()
    assert scenario.data["actors"][1]["it_capacity_mw"] == tiny_data["actors"][1]["it_capacity_mw"]


def test_missing_fields_and_duplicate_names_use_the_errors_shape(api, tiny_data, scenario):
    missing = api.post("/api/scenarios/", {"description": "no name"}, format="json")
    assert missing.status_code == 400
    assert {e["loc"] for e in missing.json()["errors"]} == {"name", "data"}

    duplicate = api.post("/api/scenarios/", {"name": scenario.name, "data": tiny_data}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json()["errors"] == [{"loc": "name", "msg": "You already have a scenario with this name."}]


def test_malformed_json_body_is_a_400_in_the_errors_shape(api):
    response = api.generic("POST", "/api/scenarios/validate/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["loc"] == "body"


def test_validate_returns_a_summary_for_a_valid_document(api, tiny_data):
    response = api.post("/api/scenarios/validate/", tiny_data, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["valid"] is True
    summary = body["summary"]
    assert summary["actors"] == len(tiny_data["actors"]) == sum(summary["actors_by_type"].values())
    assert summary["actors_by_type"]["data_center"] == 1
    assert summary["steps"] == tiny_data["horizon"]["steps"]
    assert summary["horizon_h"] == tiny_data["horizon"]["steps"] * tiny_data["horizon"]["dt_h"]
    assert summary["contracts"] == len(tiny_data["contracts"])


def test_validate_lists_every_error_with_its_path(api, tiny_data):
    data = broken(tiny_data)
    data["horizon"]["steps"] = 0
    response = api.post("/api/scenarios/validate/", data, format="json")
    assert response.status_code == 400
    locs = {e["loc"] for e in response.json()["errors"]}
    assert {"actors.1.it_capacity_mw", "horizon.steps"} <= locs
    assert api.post("/api/scenarios/validate/", [1, 2], format="json").status_code == 400


def test_scenario_json_schema_is_served(api):
    schema = api.get("/api/scenarios/schema/").json()
    assert {"region", "horizon", "actors"} <= set(schema["properties"])


def test_demo_scenarios_of_others_are_listed_and_runnable_but_read_only(api, other_user, tiny_data):
    demo = Scenario.objects.create(owner=other_user, name="Demo", data=tiny_data, is_demo=True)
    assert [s["name"] for s in api.get("/api/scenarios/").json()["results"]] == ["Demo"]
    assert api.get(f"/api/scenarios/{demo.id}/").status_code == 200
    assert api.patch(f"/api/scenarios/{demo.id}/", {"description": "x"}, format="json").status_code == 403
    assert api.delete(f"/api/scenarios/{demo.id}/").status_code == 403
    started = api.post("/api/runs/", {"scenario_id": demo.id}, format="json")
    assert started.status_code == 201 and started.json()["scenario_id"] == demo.id


# Runs ------------------------------------------------------------------------------------------

RUN_FIELDS = {
    "id", "scenario_name", "scenario_id", "seed", "status", "step", "total_steps", "progress", "steps_per_s",
    "speed_steps_per_s", "attempts", "error", "created_at", "started_at", "finished_at", "duration_s",
    "package_versions", "git_sha", "links",
}


def test_start_a_run_of_a_saved_scenario(api, scenario, owner):
    response = api.post("/api/runs/", {"scenario_id": scenario.id, "seed": 42, "speed_steps_per_s": 5}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == RUN_FIELDS
    assert body["status"] == "queued" and body["seed"] == 42 and body["speed_steps_per_s"] == 5.0
    assert body["scenario_id"] == scenario.id and body["scenario_name"] == "Tiny"
    assert body["total_steps"] == 48 and body["progress"] == 0.0 and "mesa" in body["package_versions"]
    run = Run.objects.get(pk=body["id"])
    assert run.owner == owner and run.scenario_snapshot["horizon"]["steps"] == 48
    assert api.get(body["links"]["self"]).json()["id"] == body["id"]
    assert body["links"]["websocket"] == f"/ws/runs/{body['id']}/"
    assert body["links"]["series_csv"] == f"/api/runs/{body['id']}/series.csv"


def test_start_a_run_of_an_inline_document_without_seed_uses_the_scenario_seed(api, tiny_data):
    response = api.post("/api/runs/", {"scenario": tiny_data, "name": "Inline"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["seed"] == tiny_data["seed"] and response.json()["scenario_id"] is None
    assert response.json()["scenario_name"] == "Inline"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ""),
        ({"scenario_id": 1, "scenario": "TINY", "name": "x"}, ""),
        ({"scenario": "TINY"}, "name"),
        ({"scenario": "BROKEN", "name": "x"}, "scenario.actors.1.it_capacity_mw"),
        ({"scenario_id": "SCENARIO", "seed": -1}, "seed"),
        ({"scenario_id": "SCENARIO", "seed": 2**32}, "seed"),
        ({"scenario_id": "SCENARIO", "speed_steps_per_s": -1}, "speed_steps_per_s"),
    ],
)
def test_bad_run_requests_are_400_with_the_offending_field(api, tiny_data, scenario, body, loc):
    body = dict(body)
    if body.get("scenario") == "TINY":
        body["scenario"] = tiny_data
    if body.get("scenario") == "BROKEN":
        body["scenario"] = broken(tiny_data)
    if body.get("scenario_id") == "SCENARIO":
        body["scenario_id"] = scenario.id
    response = api.post("/api/runs/", body, format="json")
    assert response.status_code == 400
    assert loc in {e["loc"] for e in response.json()["errors"]}, response.json()
    assert not Run.objects.exists()


def test_unknown_scenario_id_is_404(api):
    assert api.post("/api/runs/", {"scenario_id": 999999}, format="json").status_code == 404


def test_runs_list_shows_my_runs_newest_first(api, owner, tiny_data, queued_run):
    second = services.run_create(owner, tiny_data, seed=6, name="Second")
    listed = api.get("/api/runs/").json()
    assert [r["id"] for r in listed["results"]] == [str(second.id), str(queued_run.id)]
    assert set(listed["results"][0]) == RUN_FIELDS
    services.run_control(second, "cancel")
    assert [r["id"] for r in api.get("/api/runs/?status=cancelled").json()["results"]] == [str(second.id)]
    assert len(api.get("/api/runs/?status=queued,cancelled").json()["results"]) == 2
    by_scenario = api.get(f"/api/runs/?scenario_id={queued_run.scenario_id}").json()["results"]
    assert [r["id"] for r in by_scenario] == [str(queued_run.id)]
    assert api.get("/api/runs/?status=exploded").json()["errors"][0]["loc"] == "status"


def test_control_a_queued_run_and_conflicts_are_409(api, queued_run):
    url = f"/api/runs/{queued_run.id}/control/"
    speed = api.post(url, {"action": "speed", "speed_steps_per_s": 12.5}, format="json")
    assert speed.status_code == 200 and speed.json()["speed_steps_per_s"] == 12.5
    assert api.post(url, {"action": "pause"}, format="json").json()["status"] == "paused"
    assert api.post(url, {"action": "resume"}, format="json").json()["status"] == "queued"
    assert api.post(url, {"action": "cancel"}, format="json").json()["status"] == "cancelled"
    conflict = api.post(url, {"action": "pause"}, format="json")
    assert conflict.status_code == 409 and "cancelled" in conflict.json()["detail"]
    assert api.post(url, {"action": "resume"}, format="json").status_code == 409


def test_control_validates_the_action(api, queued_run):
    url = f"/api/runs/{queued_run.id}/control/"
    assert api.post(url, {"action": "explode"}, format="json").json()["errors"][0]["loc"] == "action"
    missing = api.post(url, {"action": "speed"}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["loc"] == "speed_steps_per_s"


def test_rerun_copies_the_snapshot_with_the_same_or_another_seed(api, queued_run):
    url = f"/api/runs/{queued_run.id}/rerun/"
    same = api.post(url, {}, format="json")
    other = api.post(url, {"seed": 99}, format="json")
    assert same.status_code == 201 and other.status_code == 201
    assert same.json()["seed"] == queued_run.seed and other.json()["seed"] == 99
    for body in (same.json(), other.json()):
        assert Run.objects.get(pk=body["id"]).scenario_snapshot == queued_run.scenario_snapshot
        assert body["id"] != str(queued_run.id) and body["status"] == "queued"


def test_results_are_404_with_a_message_until_the_run_succeeded(api, queued_run):
    for suffix in ("kpis/", "series.csv", "series.parquet"):
        response = api.get(f"/api/runs/{queued_run.id}/{suffix}")
        assert response.status_code == 404
        assert "queued" in response.json()["detail"]


def test_snapshot_of_a_queued_run(api, queued_run):
    snapshot = api.get(f"/api/runs/{queued_run.id}/snapshot/").json()
    assert snapshot["type"] == "snapshot" and snapshot["run"]["id"] == str(queued_run.id)
    assert snapshot["run"]["status"] == "queued"


def test_succeeded_run_serves_kpis_snapshot_csv_and_parquet(api, succeeded_run):
    base = f"/api/runs/{succeeded_run.id}/"
    detail = api.get(base).json()
    assert detail["status"] == "succeeded" and detail["progress"] == 1.0 and detail["step"] == 48
    assert detail["duration_s"] is not None and detail["duration_s"] >= 0

    kpis = api.get(base + "kpis/")
    assert kpis.status_code == 200 and kpis.json() == succeeded_run.kpis and "region" in kpis.json()

    snapshot = api.get(base + "snapshot/").json()
    assert snapshot["run"]["status"] == "succeeded"
    assert len(snapshot["region"]["load_mw"]) == 48

    expected = pq.read_table(succeeded_run.series_path)
    parquet = api.get(base + "series.parquet")
    assert parquet.status_code == 200
    assert f'filename="run-{succeeded_run.id}-series.parquet"' in parquet["Content-Disposition"]
    assert pq.read_table(io.BytesIO(b"".join(parquet.streaming_content))).equals(expected)

    csv = api.get(base + "series.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "attachment" in csv["Content-Disposition"]
    table = pacsv.read_csv(io.BytesIO(b"".join(csv.streaming_content)))
    assert table.num_rows == 48 == expected.num_rows
    assert table.column_names == expected.column_names
    assert table.column("step").to_pylist() == expected.column("step").to_pylist()
    assert table.column("region.load_mw").to_pylist() == expected.column("region.load_mw").to_pylist()


def test_csv_streams_in_batches_with_one_header(succeeded_run):
    from web.api.downloads import parquet_to_csv_chunks

    chunks = list(parquet_to_csv_chunks(succeeded_run.series_path, batch_rows=10))
    assert len(chunks) == 5
    text = b"".join(chunks).decode()
    header = text.splitlines()[0]
    assert text.count(header) == 1 and len(text.splitlines()) == 49


@pytest.mark.django_db(transaction=True)
def test_run_started_through_the_api_completes_on_the_embedded_worker(owner, tiny_data, drain_runs, wait_until):
    """End to end with the real in-process executor: create via API, poll until done, download."""
    client = APIClient()
    client.force_login(owner)
    created = client.post("/api/runs/", {"scenario": tiny_data, "name": "E2E", "seed": 3}, format="json")
    assert created.status_code == 201
    detail_url = created.json()["links"]["self"]
    final = wait_until(lambda: (b := client.get(detail_url).json())["status"] in ("succeeded", "failed") and b)
    assert final["status"] == "succeeded", final["error"]
    assert final["step"] == final["total_steps"] == 48
    assert client.get(final["links"]["kpis"]).status_code == 200
    assert client.get(final["links"]["series_csv"]).status_code == 200



# OpenAPI ---------------------------------------------------------------------------------------


def test_openapi_schema_and_offline_docs_are_served(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/scenarios/", "/api/scenarios/{scenario_id}/", "/api/scenarios/validate/", "/api/scenarios/schema/",
        "/api/runs/", "/api/runs/{run_id}/", "/api/runs/{run_id}/control/", "/api/runs/{run_id}/rerun/",
        "/api/runs/{run_id}/snapshot/", "/api/runs/{run_id}/kpis/", "/api/runs/{run_id}/series.csv",
        "/api/runs/{run_id}/series.parquet", "/api/token/",
    ):
        assert path in paths, path
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower() and "https://" not in html
    bundle = "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    assert f"/static/{bundle}" in html
    assert finders.find(bundle), "the Swagger UI bundle ships in the installed sidecar package"


def test_nested_serializer_errors_flatten_to_dotted_paths():
    from web.api.exceptions import flatten_errors

    detail = {"a": [{"b": ["bad b"]}, {}, {"c": {"d": ["bad d", "worse d"]}}], "non_field_errors": ["whole"]}
    assert flatten_errors(detail) == [
        {"loc": "a.0.b", "msg": "bad b"},
        {"loc": "a.2.c.d", "msg": "bad d"},
        {"loc": "a.2.c.d", "msg": "worse d"},
        {"loc": "", "msg": "whole"},
    ]
    assert flatten_errors(["plain"]) == [{"loc": "", "msg": "plain"}]


def test_scenario_services_validate_every_write(owner, tiny_data):
    from agents import ScenarioValidationError
    from web import scenario_services

    scenario = scenario_services.scenario_create(owner, name="S", data=tiny_data)
    with pytest.raises(ScenarioValidationError) as info:
        scenario_services.scenario_update(scenario, data=broken(tiny_data))
    assert info.value.errors[0]["loc"] == "actors.1.it_capacity_mw"
    with pytest.raises(ScenarioValidationError):
        scenario_services.scenario_create(owner, name="T", data=broken(tiny_data))
    with pytest.raises(TypeError):
        scenario_services.scenario_update(scenario, owner=None)
    assert Scenario.objects.get(pk=scenario.pk).data == scenario_services.scenario_normalised(tiny_data)
    assert list(Scenario.objects.values_list("name", flat=True)) == ["S"]
