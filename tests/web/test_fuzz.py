"""Property-based fuzzing of the scenario, contract, run-control and query-parameter endpoints (issue 15).

Mutated fixtures (``_tiny.json`` and ``tianjin_wuqing.json``, which carries a ``heat_purchase`` contract) go
to ``/api/scenarios/``, ``/api/scenarios/validate/``, ``/api/scenarios/<id>/``, ``/api/runs/`` and the scenario
page form; random bodies to the run controls; random values to every integer query parameter. Properties:
never a 5xx; every 400 of the API lists errors with a ``loc`` (and a mutated field's error names a field
path); a document the API accepts builds and steps. Bounded by ``max_examples`` so the file runs in about a
minute; the number of requests is printed at the end.
"""
import copy
import json
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from agents import RegionModel, validate_scenario
from web import services
from web.models import Run, Scenario

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
DOCUMENTS = {name: json.loads((FIXTURES / name).read_text(encoding="utf-8"))
             for name in ("_tiny.json", "tianjin_wuqing.json")}
FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
REQUESTS = {"count": 0, "by_status": {}}


def _count(response):
    REQUESTS["count"] += 1
    REQUESTS["by_status"][response.status_code] = REQUESTS["by_status"].get(response.status_code, 0) + 1
    return response


@pytest.fixture(scope="module", autouse=True)
def report_request_count(request):
    yield
    line = (f"fuzz: {REQUESTS['count']} requests, by status "
            + ", ".join(f"{k}: {v}" for k, v in sorted(REQUESTS["by_status"].items())))
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n{line}")
    assert not any(status >= 500 for status in REQUESTS["by_status"]), line


def paths(node, prefix=()):
    """Every path into a JSON document (containers and leaves)."""
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += paths(value, (*prefix, index))
    return out


NASTY_STRINGS = st.sampled_from([
    "", " ", "Asia", "Asia/", "A" * 300, "../../etc/passwd", "9999-12-31T23:00", "2025-W01-1", "2025-02-30T00:00",
    "02-31", "13-01", "00-00", "48", "-1", "1e309", "NaN", "null", "<script>alert(1)</script>", "x" * 6000,
    "😀" * 50, "a\u0000b", "heat_purchase", "data_center", "grid", "dc_1", "utility_1",
])
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 1, 2**31, 2**63, 2**64, 1e308, -1e308, 0.25, 35136 * 3, 1e-300]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, NASTY_STRINGS, st.text(max_size=40))
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                           max_leaves=12)


@st.composite
def mutated_documents(draw):
    """A fixture with 0–3 mutations: replace a value, delete a key/item, add an unknown key, or duplicate an item."""
    name = draw(st.sampled_from(sorted(DOCUMENTS)))
    doc = copy.deepcopy(DOCUMENTS[name])
    touched = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        candidates = paths(doc)
        path = draw(st.sampled_from(candidates))
        kind = draw(st.sampled_from(["replace", "replace", "replace", "delete", "unknown_key", "duplicate"]))
        if not path:
            if kind == "replace":
                doc = draw(JSON_VALUES)
                touched.append(path)
                break
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        if kind == "replace":
            parent[last] = draw(JSON_VALUES)
        elif kind == "delete":
            del parent[last]
        elif kind == "unknown_key" and isinstance(parent[last], dict):
            parent[last][draw(st.text(min_size=1, max_size=10))] = draw(SCALARS)
        elif kind == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        touched.append(path)
        if not isinstance(doc, dict):
            break
    return doc


def assert_field_errors(response) -> None:
    assert response.status_code < 500, response.content[:500]
    if response.status_code == 400:
        errors = response.json()["errors"]
        assert errors and all(isinstance(e.get("loc"), str) and e.get("msg") for e in errors), errors


def builds(document: dict) -> None:
    model = RegionModel(validate_scenario(document))
    model.step()


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


@FUZZ
@given(document=mutated_documents())
def test_validate_never_fails_and_what_it_accepts_runs(api, document):
    response = _count(api.post("/api/scenarios/validate/", document, format="json"))
    assert_field_errors(response)
    if response.status_code == 200:
        builds(document)  # validation rejects what cannot run
    else:
        assert response.status_code == 400
        if isinstance(document, dict):  # a field of an object was mutated: the error names a field path
            assert any(e["loc"] for e in response.json()["errors"]), response.json()


@FUZZ
@given(document=mutated_documents(), name=st.one_of(st.text(max_size=250), NASTY_STRINGS, SCALARS),
       description=st.one_of(st.text(max_size=50), NASTY_STRINGS, SCALARS))
def test_scenario_writes_never_fail_and_store_normalised_documents(api, owner, document, name, description):
    response = _count(api.post("/api/scenarios/", {"name": name, "description": description, "data": document},
                               format="json"))
    assert_field_errors(response)
    if response.status_code == 201:
        stored = Scenario.objects.get(pk=response.json()["id"])
        assert stored.data == validate_scenario(stored.data).model_dump(mode="json")
        url = f"/api/scenarios/{stored.pk}/"
        assert_field_errors(_count(api.patch(url, {"data": document, "description": description}, format="json")))
        assert_field_errors(_count(api.put(url, {"name": f"{name}!", "data": document}, format="json")))
        assert _count(api.get("/api/scenarios/")).status_code == 200
    else:
        assert response.status_code == 400


@FUZZ
@given(document=mutated_documents(), seed=st.one_of(SCALARS, st.integers()), speed=st.one_of(SCALARS, NUMBERS))
def test_inline_runs_never_fail(api, document, seed, speed, monkeypatch):
    monkeypatch.setattr(services, "_enqueue", lambda run_id: None)
    Run.objects.all().delete()  # examples share the database: stay under the per-user run quota
    body = {"name": "fuzz", "scenario": document, "seed": seed, "speed_steps_per_s": speed}
    assert_field_errors(_count(api.post("/api/runs/", body, format="json")))


@settings(FUZZ, max_examples=80)
@given(document=mutated_documents(), action=st.sampled_from(["validate", "save"]),
       name=st.one_of(st.text(max_size=210), NASTY_STRINGS))
def test_the_scenario_page_form_never_fails(page, document, action, name):
    text = json.dumps(document, allow_nan=True)
    response = _count(page.post("/scenarios/new/", {"name": name, "description": "", "document": text,
                                                    "action": action}))
    assert response.status_code in (200, 302), response.status_code
    assert _count(page.get("/scenarios/")).status_code == 200


CONTROL_BODIES = st.one_of(
    st.fixed_dictionaries({"action": st.sampled_from(["pause", "resume", "cancel", "speed"])},
                          optional={"speed_steps_per_s": st.one_of(NUMBERS, SCALARS)}),
    JSON_VALUES,
)


@settings(FUZZ, max_examples=150)
@given(bodies=st.lists(CONTROL_BODIES, min_size=1, max_size=6), claim=st.booleans())
def test_run_controls_never_fail_and_cancel_wins(api, owner, bodies, claim, monkeypatch):
    monkeypatch.setattr(services, "_enqueue", lambda run_id: None)
    Run.objects.filter(owner=owner).delete()  # examples share the database: stay under the per-user run quota
    run = services.run_create(owner, DOCUMENTS["_tiny.json"], seed=1, name="ctl")
    if claim:
        assert services.run_claim(run.pk, "fuzz-worker")
    cancelled = False
    for body in bodies:
        response = _count(api.post(f"/api/runs/{run.id}/control/", body, format="json"))
        assert response.status_code in (200, 400, 409), (body, response.status_code, response.content[:300])
        if response.status_code == 400:
            assert_field_errors(response)
        if response.status_code == 200 and body.get("action") == "cancel":
            cancelled = True
        run.refresh_from_db()
        if cancelled:  # nothing after a cancel brings the run back
            assert run.status == "cancelled" or run.control == "cancel", (bodies, run.status, run.control)


QUERY_VALUES = st.one_of(st.integers(min_value=-(2**80), max_value=2**80).map(str), NASTY_STRINGS,
                         st.text(max_size=30), st.floats().map(str))


@settings(FUZZ, max_examples=200)
@given(url=st.sampled_from(["/api/runs/", "/api/scenarios/"]),
       params=st.dictionaries(st.sampled_from(["limit", "offset", "scenario_id", "status"]), QUERY_VALUES,
                              max_size=4))
def test_query_parameters_never_fail(api, url, params):
    response = _count(api.get(url, params))
    assert_field_errors(response)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert len(response.json()["results"]) <= 200


@settings(FUZZ, max_examples=40)
@given(scenario_id=st.integers(min_value=-(2**70), max_value=2**70))
def test_ids_in_paths_never_fail(api, page, scenario_id):
    if scenario_id >= 0:
        assert _count(api.get(f"/api/scenarios/{scenario_id}/")).status_code == 404
        assert _count(page.get(f"/scenarios/{scenario_id}/edit/")).status_code == 404
    response = _count(page.post("/runs/start/", {"scenario_id": scenario_id, "seed": 1, "speed_steps_per_s": "0"}))
    assert response.status_code in (302, 404)


def _decision_document() -> dict:
    doc = copy.deepcopy(DOCUMENTS["_tiny.json"])
    doc["actors"].append({"type": "storage", "id": "bess", "name": "Grid battery", "lat": 40.8, "lon": 111.7,
                          "battery": {"energy_capacity_mwh": 40.0, "power_capacity_mw": 10.0},
                          "strategy": {"kind": "arbitrage"}})
    doc["decision_points"] = {"events": ["day_start"]}
    return doc


DECISION_ITEMS = st.one_of(
    st.fixed_dictionaries({"actor_id": st.one_of(st.sampled_from(["bess", "grid", "dc1"]), SCALARS),
                           "parameter": st.one_of(st.sampled_from(["kind", "soc_min_pu", "soc_max_pu",
                                                                   "soc_end_target_pu", "peak_scope", "reserve_mw",
                                                                   "degradation_cost_cny_per_mwh", "kind.x"]),
                                                  SCALARS),
                           "value": JSON_VALUES},
                          optional={"step": st.one_of(st.integers(-5, 100), SCALARS), "extra": SCALARS}),
    JSON_VALUES,
)
DECISION_BODIES = st.one_of(st.fixed_dictionaries({"decisions": st.lists(DECISION_ITEMS, max_size=4)}),
                            st.fixed_dictionaries({"decisions": JSON_VALUES}), JSON_VALUES)


@settings(FUZZ, max_examples=150)
@given(bodies=st.lists(DECISION_BODIES, min_size=1, max_size=4))
def test_decisions_never_fail_and_what_is_accepted_replays(api, owner, bodies, monkeypatch):
    from agents.decisions import validate_decisions

    monkeypatch.setattr(services, "_enqueue", lambda run_id: None)
    Run.objects.filter(owner=owner).delete()
    run = services.run_create(owner, _decision_document(), seed=1, name="decide")
    Run.objects.filter(pk=run.pk).update(status=Run.Status.WAITING, step=24)  # as stopped at the day's start
    for body in bodies:
        response = _count(api.post(f"/api/runs/{run.id}/decisions/", body, format="json"))
        assert response.status_code in (200, 400, 409), (body, response.status_code, response.content[:300])
        if response.status_code == 400:
            assert_field_errors(response)
        run.refresh_from_db()
        if response.status_code == 200:
            assert run.status == Run.Status.QUEUED and all(d["step"] == 24 for d in run.decisions)
            validate_decisions(validate_scenario(run.scenario_snapshot), run.decisions)  # replayable
            Run.objects.filter(pk=run.pk).update(status=Run.Status.WAITING)
        assert _count(api.get(f"/api/runs/{run.id}/decisions/")).status_code == 200
