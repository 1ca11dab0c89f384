"""Malformed input never reaches a 500 (issue 15 findings, each reproduced here): field paths instead."""
import copy
import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from web import services
from web.api.pagination import MAX_LIMIT
from web.models import Run, Scenario

pytestmark = pytest.mark.django_db

BIG = "9" * 30  # beyond 64 bits


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_login(owner)
    return client


@pytest.fixture
def page(owner) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    return client


def changed(data: dict, path: str, value) -> dict:
    doc = copy.deepcopy(data)
    *head, last = path.split(".")
    node = doc
    for key in head:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[int(last) if isinstance(node, list) else last] = value
    return doc


def locs(response) -> set[str]:
    return {e["loc"] for e in response.json()["errors"]}


@pytest.mark.parametrize("tz", ["A" * 300, "Asia", "../../etc/passwd", "Asia/", ""])
def test_a_bad_time_zone_is_a_400_at_region_tz(api, tiny_data, tz):
    response = api.post("/api/scenarios/validate/", changed(tiny_data, "region.tz", tz), format="json")
    assert response.status_code == 400 and locs(response) == {"region.tz"}


@pytest.mark.parametrize("start", ["9999-12-31T23:00", "2025-W01-1", "2025-001", "1800-01-01T00:00", "x" * 100])
def test_a_start_that_cannot_be_built_is_refused_at_horizon_start(api, tiny_data, start):
    response = api.post("/api/scenarios/validate/", changed(tiny_data, "horizon.start", start), format="json")
    assert response.status_code == 400 and locs(response) == {"horizon.start"}


def test_an_impossible_heating_season_day_is_refused_at_its_field(api, tiny_data):
    utility = next(i for i, a in enumerate(tiny_data["actors"]) if a["type"] == "heat_utility")
    doc = changed(tiny_data, f"actors.{utility}.networks.0.season_end_md", "02-31")
    doc = changed(doc, f"actors.{utility}.networks.0.season_start_md", "13-01")
    response = api.post("/api/scenarios/validate/", doc, format="json")
    assert response.status_code == 400
    assert locs(response) == {f"actors.{utility}.networks.0.season_end_md",
                              f"actors.{utility}.networks.0.season_start_md"}
    ok = changed(tiny_data, f"actors.{utility}.networks.0.season_end_md", "02-29")
    assert api.post("/api/scenarios/validate/", ok, format="json").status_code == 200


@pytest.mark.parametrize("url", ["/api/scenarios/validate/", "/api/scenarios/", "/api/runs/"])
def test_json_nested_1000_deep_is_a_400_on_the_body(api, url):
    body = "[" * 1000 + "]" * 1000
    response = api.generic("POST", url, body, content_type="application/json")
    assert response.status_code == 400 and locs(response) == {"body"}
    deep_object = '{"a":' * 1000 + "1" + "}" * 1000
    response = api.generic("POST", url, deep_object, content_type="application/json")
    assert response.status_code == 400 and locs(response) == {"body"}


def test_a_deep_document_in_the_page_form_is_a_form_error(page):
    response = page.post("/scenarios/new/", {"name": "Deep", "document": "[" * 1000 + "]" * 1000, "action": "save"})
    assert response.status_code == 200 and "deeper than" in response.content.decode()
    assert not Scenario.objects.filter(name="Deep").exists()


@pytest.mark.parametrize("query", [f"scenario_id={BIG}", f"limit={BIG}", f"offset={BIG}", "scenario_id=-1",
                                   "limit=abc", "offset=-5", "limit=0"])
def test_out_of_range_query_integers_are_a_400_naming_the_parameter(api, owner, tiny_data, query):
    services.run_create(owner, tiny_data, seed=1, name="one")
    response = api.get(f"/api/runs/?{query}")
    assert response.status_code == 400 and locs(response) == {query.split("=")[0]}


def test_pagination_is_capped_at_the_maximum_page(api, owner, tiny_data):
    Scenario.objects.bulk_create(
        [Scenario(owner=owner, name=f"s{i:04d}", data=tiny_data) for i in range(MAX_LIMIT + 20)]
    )
    body = api.get("/api/scenarios/?limit=1000000").json()
    assert body["count"] == MAX_LIMIT + 20 and len(body["results"]) == MAX_LIMIT
    assert body["next"] is not None
    assert len(api.get("/api/scenarios/").json()["results"]) == 50


def test_out_of_range_ids_in_forms_and_pages_are_not_a_500(page, api):
    assert page.get(f"/scenarios/{BIG[:20]}/edit/").status_code == 404
    response = page.post("/runs/start/", {"scenario_id": BIG, "seed": 1, "speed_steps_per_s": "0"})
    assert response.status_code == 302  # back to the list with a message
    response = api.post("/api/runs/", {"scenario_id": int(BIG), "seed": 1}, format="json")
    assert response.status_code == 400 and locs(response) == {"scenario_id"}


def test_a_coerced_document_is_stored_normalised_and_the_list_page_renders(api, page, tiny_data):
    doc = changed(tiny_data, "horizon.steps", "48")
    created = api.post("/api/scenarios/", {"name": "Coerced", "data": doc}, format="json")
    assert created.status_code == 201
    stored = Scenario.objects.get(name="Coerced").data
    assert stored["horizon"]["steps"] == 48 and created.json()["data"]["horizon"]["steps"] == 48
    assert "markets" in stored  # defaults filled in: the document the schema describes
    assert page.get("/scenarios/").status_code == 200
    response = page.post("/scenarios/new/", {"name": "Coerced page", "document": json.dumps(doc), "action": "save"})
    assert response.status_code == 302
    assert Scenario.objects.get(name="Coerced page").data["horizon"]["steps"] == 48


def test_a_row_saved_raw_before_normalisation_still_renders_the_list(page, owner, tiny_data):
    Scenario.objects.create(owner=owner, name="Old raw", data=changed(tiny_data, "horizon.steps", "48"))
    response = page.get("/scenarios/")
    assert response.status_code == 200 and "Old raw" in response.content.decode()


def test_demo_scenarios_are_stored_normalised(tmp_path, tiny_data):
    from django.core.management import call_command

    (tmp_path / "demo.json").write_text(json.dumps(changed(tiny_data, "horizon.steps", "48")), encoding="utf-8")
    call_command("load_demo", "--fixtures", str(tmp_path), "--password", "demo-pass-123")
    assert Scenario.objects.get(is_demo=True).data["horizon"]["steps"] == 48


def test_scenario_descriptions_are_bounded(api, page, tiny_data):
    response = api.post("/api/scenarios/", {"name": "Long", "description": "x" * 2_000_000, "data": tiny_data},
                        format="json")
    assert response.status_code in (400, 413)
    response = api.post("/api/scenarios/", {"name": "Long", "description": "x" * 5001, "data": tiny_data},
                        format="json")
    assert response.status_code == 400 and locs(response) == {"description"}
    form = page.post("/scenarios/new/", {"name": "Long", "description": "x" * 5001,
                                         "document": json.dumps(tiny_data), "action": "save"})
    assert form.status_code == 200 and not Scenario.objects.filter(name="Long").exists()


def test_a_nul_character_is_a_400_not_a_database_error(api, tiny_data):
    body = json.dumps({"name": "nul", "data": changed(tiny_data, "name", "a\u0000b")})
    response = api.generic("POST", "/api/scenarios/", body, content_type="application/json")
    assert response.status_code == 400 and locs(response) == {"body"}


def test_speed_of_a_finished_run_is_refused(api, owner, tiny_data):
    run = services.run_create(owner, tiny_data, seed=1, name="done")
    services.run_control(run, "cancel")
    response = api.post(f"/api/runs/{run.id}/control/", {"action": "speed", "speed_steps_per_s": 5}, format="json")
    assert response.status_code == 409
    assert Run.objects.get(pk=run.pk).speed_steps_per_s == 0.0


def test_a_pause_right_after_a_cancel_does_not_win(api, owner, tiny_data):
    run = services.run_create(owner, tiny_data, seed=1, name="live")
    assert services.run_claim(run.pk, "w1")  # running: controls are requests the worker obeys
    assert api.post(f"/api/runs/{run.id}/control/", {"action": "cancel"}, format="json").status_code == 200
    paused = api.post(f"/api/runs/{run.id}/control/", {"action": "pause"}, format="json")
    assert paused.status_code == 409 and "cancel" in paused.json()["detail"]
    assert Run.objects.get(pk=run.pk).control == Run.Control.CANCEL  # what the worker obeys at its next sync


def test_the_new_messages_are_translated_to_chinese():
    from django.utils import translation

    from web.views import run_page_strings

    with translation.override("zh-hans"):
        strings = run_page_strings()
    assert "重试" in strings["retrying"] and "%(seconds)s" in strings["retrying"]
    assert all(not text.isascii() for text in strings["close_reasons"].values())
