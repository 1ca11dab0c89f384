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
# one decision per run-time kind: a storage schedule, a data center's workload strategy, a DR aggregator's bid
KINDS = {"storage": DECISION,
         "data_center": {"actor_id": "dc_hohhot", "parameter": "kind", "value": "price_following"},
         "dr_aggregator": {"actor_id": "vpp", "parameter": "commitment_mw.0", "value": 6.0}}
BAD = {"storage": ({**DECISION, "value": -1}, "decisions.0.strategy.degradation_cost_cny_per_mwh"),
       "data_center": ({**KINDS["data_center"], "parameter": "flex.deadline_h", "value": -1},
                       "decisions.0.strategy.flex.deadline_h"),
       "dr_aggregator": ({**KINDS["dr_aggregator"], "value": -1}, "decisions.0.commitment_mw.0")}


@pytest.fixture
def doc(tiny_data) -> dict:
    tiny_data["actors"].append({"type": "storage", "id": "bess", "name": "Grid battery", "lat": 40.8, "lon": 111.7,
                                "battery": {"energy_capacity_mwh": 40.0, "power_capacity_mw": 10.0, "strategy": "tou"},
                                "strategy": {"kind": "arbitrage"}})
    tiny_data["horizon"]["steps"] = 48
    tiny_data["actors"][3]["capacity_mw"] = 90.0
    tiny_data["decision_points"] = {"events": ["day_start"]}
    tiny_data["actors"][1]["strategy"] = {"kind": "carbon_aware", "flex": {"deferrable_pu": 0.5, "deadline_h": 12.0}}
    # a DR event called at step 30 (its notice), after the decision point at 24
    tiny_data["demand_response"] = {
        "programs": [{"id": "p", "trigger": "price", "price_threshold_cny_per_mwh": 20000.0,
                      "baseline_method": "same_day_3_plus_2", "penalty_cny_per_mwh_short": 500.0}],
        "aggregators": [{"id": "vpp", "program_id": "p", "member_ids": ["dc_hohhot"], "commitment_mw": [2.0]}],
        "events": [{"program_id": "p", "start": "2025-01-16T17:00", "end": "2025-01-16T20:00", "notice_h": 9.0}]}
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


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_run_waits_takes_decisions_through_the_api_and_equals_the_cli(owner, other_user, doc, tmp_path, kind):
    decision = KINDS[kind]
    api = APIClient()
    api.force_login(owner)
    run = _unqueued(owner, doc)
    assert services.run_execute(run.pk, "w1") == "waiting"
    run.refresh_from_db()
    assert run.status == Run.Status.WAITING and run.step == 24 and run.checkpoint_step == 24
    listed = api.get(f"/api/runs/{run.pk}/decisions/").json()
    assert listed["waiting"] and listed["step"] == 24 and listed["decisions"] == []
    targets = {a["id"]: a for a in listed["actors"]}
    assert {a["type"] for a in targets.values()} == set(KINDS) and list(targets) == ["dc_hohhot", "bess", "vpp"]
    assert "degradation_cost_cny_per_mwh" in targets["bess"]["parameters"]
    assert "flex" in targets["dc_hohhot"]["parameters"] and "commitment_mw" in targets["vpp"]["parameters"]

    # bad input: 4xx with field paths, the run keeps waiting
    bad_decision, loc = BAD[kind]
    bad = _submit(api, run, {"decisions": [bad_decision]})
    assert bad.status_code == 400
    assert any(e["loc"] == loc for e in bad.json()["errors"]), bad.json()
    assert _submit(api, run, {"decisions": [{**DECISION, "actor_id": "nobody"}]}).json()["errors"][0]["loc"] == \
        "decisions.0.actor_id"
    assert _submit(api, run, {"nothing": 1}).status_code == 400
    assert _submit(api, run, [1, 2]).status_code == 400
    stranger = APIClient()
    stranger.force_login(other_user)
    assert _submit(stranger, run, {"decisions": [DECISION]}).status_code == 404
    assert Run.objects.get(pk=run.pk).status == Run.Status.WAITING

    ok = _submit(api, run, {"decisions": [decision]})
    assert ok.status_code == 200, ok.content
    run.refresh_from_db()
    assert run.status == Run.Status.QUEUED and run.decisions == [{**decision, "step": 24}]
    assert _submit(api, run, {"decisions": []}).status_code == 409  # no longer waiting
    assert services.run_execute(run.pk, "w2") == "succeeded"
    run.refresh_from_db()
    kpis, series = _cli_kpis(tmp_path, doc, run.decisions)
    assert run.kpis == kpis
    assert Path(run.series_path).read_bytes() == series
    undecided = RegionModel(validate_scenario(doc), seed=3)
    undecided.run()
    assert run.kpis != json.loads(json.dumps(services._json_safe(undecided.kpis())))  # the decision mattered


@pytest.mark.parametrize("kind", list(KINDS))
def test_decisions_survive_a_worker_killed_after_the_decision_point(owner, doc, tmp_path, kind):
    from django.utils import timezone

    api = APIClient()
    api.force_login(owner)
    run = _unqueued(owner, doc)
    assert services.run_execute(run.pk, "w1") == "waiting"
    assert _submit(api, run, {"decisions": [KINDS[kind]]}).status_code == 200
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


def test_the_decision_form_names_each_kind_in_english_and_chinese(owner):
    """The run page's strings (views.RunDetail config.i18n.decisions) label every kind of decision target and the
    new DC / DR parameters, translated into Chinese (locale/zh_Hans)."""
    from django.utils import translation

    from agents.decisions import DR_BID_PARAMETERS, TARGETS
    from web.views import run_page_strings

    with translation.override("en"):
        en = run_page_strings()["decisions"]
    with translation.override("zh-hans"):
        zh = run_page_strings()["decisions"]
    assert set(en["kinds"]) == set(TARGETS)
    assert en["kinds"]["dr_aggregator"] == "Demand-response bid of an aggregator"
    assert zh["kinds"]["data_center"] == "数据中心运营方：负载调度、蓄冷、备用发电机" and zh["kinds"]["dr_aggregator"] == "聚合商的需求响应申报"
    assert set(DR_BID_PARAMETERS) <= set(en["parameters"])
    assert all(zh["parameters"][k] != en["parameters"][k] for k in en["parameters"])
