"""Decision points through the pipeline: a run waits at a decision point, its owner submits decisions through the
REST API, it continues; the result is bit-identical to the CLI with the same decisions file, also when the worker
died after the decision and the run resumed from its checkpoint."""
import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from agents import RegionModel, checkpoint_dumps, validate_scenario
from agents.cli import main as cli_main
from web import services
from web.models import Run

pytestmark = pytest.mark.django_db(transaction=True)

DECISION = {"actor_id": "bess", "parameter": "degradation_cost_cny_per_mwh", "value": 5000.0}


@pytest.fixture
def doc(tiny_data) -> dict:
    tiny_data["actors"].append({"type": "storage", "id": "bess", "name": "Grid battery", "lat": 40.8, "lon": 111.7,
                                "battery": {"energy_capacity_mwh": 40.0, "power_capacity_mw": 10.0, "strategy": "tou"},
                                "strategy": {"kind": "arbitrage"}})
    tiny_data["horizon"]["steps"] = 48
    tiny_data["actors"][3]["capacity_mw"] = 90.0
    tiny_data["decision_points"] = {"events": ["day_start"]}
    return tiny_data


def _unqueued(owner, data):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "_enqueue", lambda run_id: None)
        return services.run_create(owner, data, seed=3)


def _submit(client, run, body):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "_enqueue", lambda run_id: None)
        return client.post(f"/api/runs/{run.pk}/decisions/", body, format="json")


def _cli_kpis(tmp_path, doc, decisions) -> dict:
    (tmp_path / "s.json").write_text(json.dumps(doc))
    (tmp_path / "d.json").write_text(json.dumps(decisions))
    assert cli_main([str(tmp_path / "s.json"), "--out", str(tmp_path / "cli"), "--seed", "3", "--json",
                     "--decisions", str(tmp_path / "d.json")]) == 0
    kpis = json.loads((tmp_path / "cli" / "kpis.json").read_text())
    kpis.pop("provenance")  # the results file says how it was made; the run record keeps only the KPIs
    return kpis, (tmp_path / "cli" / "series.parquet").read_bytes()


def test_a_run_waits_takes_decisions_through_the_api_and_equals_the_cli(owner, other_user, doc, tmp_path):
    api = APIClient()
    api.force_login(owner)
    run = _unqueued(owner, doc)
    assert services.run_execute(run.pk, "w1") == "waiting"
    run.refresh_from_db()
    assert run.status == Run.Status.WAITING and run.step == 24 and run.checkpoint_step == 24
    listed = api.get(f"/api/runs/{run.pk}/decisions/").json()
    assert listed["waiting"] and listed["step"] == 24 and listed["decisions"] == []
    assert [a["id"] for a in listed["actors"]] == ["bess"]
    assert "degradation_cost_cny_per_mwh" in listed["actors"][0]["parameters"]

    # bad input: 4xx with field paths, the run keeps waiting
    bad = _submit(api, run, {"decisions": [{**DECISION, "value": -1}]})
    assert bad.status_code == 400
    assert any(e["loc"] == "decisions.0.strategy.degradation_cost_cny_per_mwh" for e in bad.json()["errors"])
    assert _submit(api, run, {"decisions": [{**DECISION, "actor_id": "nobody"}]}).json()["errors"][0]["loc"] == \
        "decisions.0.actor_id"
    assert _submit(api, run, {"nothing": 1}).status_code == 400
    assert _submit(api, run, [1, 2]).status_code == 400
    stranger = APIClient()
    stranger.force_login(other_user)
    assert _submit(stranger, run, {"decisions": [DECISION]}).status_code == 404
    assert Run.objects.get(pk=run.pk).status == Run.Status.WAITING

    ok = _submit(api, run, {"decisions": [DECISION]})
    assert ok.status_code == 200, ok.content
    run.refresh_from_db()
    assert run.status == Run.Status.QUEUED and run.decisions == [{**DECISION, "step": 24}]
    assert _submit(api, run, {"decisions": []}).status_code == 409  # no longer waiting
    assert services.run_execute(run.pk, "w2") == "succeeded"
    run.refresh_from_db()
    kpis, series = _cli_kpis(tmp_path, doc, run.decisions)
    assert run.kpis == kpis
    assert Path(run.series_path).read_bytes() == series
    undecided = RegionModel(validate_scenario(doc), seed=3)
    undecided.run()
    assert run.kpis != json.loads(json.dumps(services._json_safe(undecided.kpis())))  # the decision mattered


def test_decisions_survive_a_worker_killed_after_the_decision_point(owner, doc, tmp_path):
    from django.utils import timezone

    api = APIClient()
    api.force_login(owner)
    run = _unqueued(owner, doc)
    assert services.run_execute(run.pk, "w1") == "waiting"
    assert _submit(api, run, {"decisions": [DECISION]}).status_code == 200
    # a worker claims it, steps past the decision and dies after a checkpoint at step 30
    assert services.run_claim(run.pk, "dies")
    model = services._build(Run.objects.get(pk=run.pk))
    model.run(steps=6)
    Run.objects.filter(pk=run.pk).update(checkpoint=checkpoint_dumps(model), checkpoint_step=model.step_index,
                                         heartbeat_at=timezone.now() - timezone.timedelta(hours=1))
    model.run(steps=3)  # got further than its last checkpoint
    assert services.run_execute(run.pk, "w3") == "succeeded"
    run.refresh_from_db()
    kpis, series = _cli_kpis(tmp_path, doc, run.decisions)
    assert run.kpis == kpis and Path(run.series_path).read_bytes() == series


def test_a_django_validation_error_in_a_view_is_a_400_with_field_paths_not_a_500(owner, tiny_data):
    """Defect: the API's exception handler called ``rest_framework.exceptions.as_serializer_error`` (it lives in
    ``rest_framework.serializers``), so any Django ValidationError reaching it — here a stored scenario that no
    longer validates, started by id — became an AttributeError and a 500."""
    from web.models import Scenario

    api = APIClient()
    api.force_login(owner)
    broken = dict(tiny_data, horizon={**tiny_data["horizon"], "steps": 0})
    scenario = Scenario.objects.create(owner=owner, name="stale", data=broken)
    response = api.post("/api/runs/", {"scenario_id": scenario.pk}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert any(e["loc"].startswith("horizon.steps") for e in response.json()["errors"])
