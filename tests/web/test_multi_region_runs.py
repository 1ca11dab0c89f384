"""A multi-region scenario runs through the web run pipeline: stored, executed, resumed from a checkpoint."""
import copy
import json
from pathlib import Path

import pytest

from agents import MultiRegionModel, build_model, checkpoint_dumps, kpis_with_contracts, validate_scenario
from web import services
from web.models import Run

pytestmark = pytest.mark.django_db(transaction=True)


def two_regions(tiny: dict) -> dict:
    """The tiny region twice (ids renamed in the second), its DC's work migratable on a batch link east → west."""
    east, west = copy.deepcopy(tiny), copy.deepcopy(tiny)
    for a in west["actors"]:
        a["id"] = "w-" + a["id"]
    for c in west["contracts"]:
        c["id"], c["seller_id"], c["buyer_id"] = "w-" + c["id"], "w-" + c["seller_id"], "w-" + c["buyer_id"]
    for region in (east, west):
        for a in region["actors"]:
            if a["type"] == "data_center":
                a["strategy"] = {"kind": "none", "flex": {"migratable_pu": 0.8}}
    body = ("region", "actors", "markets", "contracts")
    return {"schema_version": 1, "name": "Two tiny regions", "horizon": tiny["horizon"], "seed": 4,
            "regions": [{"id": "east", **{k: east[k] for k in body if k in east}},
                        {"id": "west", **{k: west[k] for k in body if k in west}}],
            "links": [{"id": "e-w", "from_region": "east", "to_region": "west", "work_capacity_mw": 5.0,
                       "latency_ms": 30.0}],
            "migration": {"kind": "price", "min_saving_pu": 0.0}}


def create_unqueued(owner, data, **kw) -> Run:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "_enqueue", lambda run_id: None)
        return services.run_create(owner, data, **kw)


def _results(run: Run) -> tuple:
    run.refresh_from_db()
    return run.kpis, run.region_series, Path(run.series_path).read_bytes()


def test_a_multi_region_run_executes_and_stores_regions_and_migration(owner, tiny_data):
    doc = two_regions(tiny_data)
    run = create_unqueued(owner, doc, seed=5)
    assert run.total_steps == 48
    assert services.run_execute(run.pk, "w1") == "succeeded"
    run.refresh_from_db()
    assert set(run.kpis["regions"]) == {"east", "west"} and "e-w" in run.kpis["migration"]["links"]
    assert [r["id"] for r in run.describe["regions"]] == ["east", "west"]
    assert len(run.region_series["west.load_mw"]) == 48 and len(run.region_series["e-w.moved_mw"]) == 48
    direct = build_model(validate_scenario(doc), seed=5)
    direct.run()
    expected = json.loads(json.dumps(services._json_safe(kpis_with_contracts(direct))))
    assert run.kpis == expected
    deal = run.kpis["contracts"]["heat_deal"]  # evaluated against the multi-region run without it
    assert deal["evaluation"] == "against the counterfactual" and deal["parties"]["heat_city"]["npv_cny"] > 0


def test_a_multi_region_run_resumed_from_a_checkpoint_equals_an_uninterrupted_run(owner, tiny_data):
    doc = two_regions(tiny_data)
    straight = create_unqueued(owner, doc, seed=9)
    assert services.run_execute(straight.pk, "w1") == "succeeded"
    resumed = create_unqueued(owner, doc, seed=9)
    assert services.run_claim(resumed.pk, "dies-mid-run")
    model = build_model(validate_scenario(resumed.scenario_snapshot), seed=9)
    assert isinstance(model, MultiRegionModel) and model.migration_active
    model.run(steps=30)
    Run.objects.filter(pk=resumed.pk).update(checkpoint=checkpoint_dumps(model), checkpoint_step=model.step_index)
    Run.objects.filter(pk=resumed.pk).update(heartbeat_at=resumed.created_at.replace(year=2000))
    assert services.run_execute(resumed.pk, "w2") == "succeeded"
    assert _results(resumed) == _results(straight)


def test_the_validate_endpoint_summarises_a_multi_region_document_and_reports_field_paths(owner, tiny_data):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(owner)
    doc = two_regions(tiny_data)
    response = api.post("/api/scenarios/validate/", doc, format="json")
    assert response.status_code == 200
    summary = response.json()["summary"]
    assert summary["region"] == "Tiny Hohhot, Tiny Hohhot" and summary["actors"] == 10 and summary["contracts"] == 2
    doc["links"][0]["to_region"] = "mars"
    response = api.post("/api/scenarios/validate/", doc, format="json")
    assert response.status_code == 400 and "links.0.to_region" in json.dumps(response.json())


def test_the_pages_of_a_multi_region_scenario_and_run_render(owner, tiny_data, client):
    from web.models import Scenario

    doc = two_regions(tiny_data)
    scenario = Scenario.objects.create(owner=owner, name="Two", data=validate_scenario(doc).model_dump(mode="json"))
    run = create_unqueued(owner, doc, seed=5, scenario=scenario)
    assert services.run_execute(run.pk, "w1") == "succeeded"
    client.force_login(owner)
    for url in ("/scenarios/", f"/scenarios/{scenario.pk}/edit/", "/runs/", f"/runs/{run.pk}/",
                f"/runs/{run.pk}/report/", f"/runs/{run.pk}/screen/", f"/api/runs/{run.pk}/"):
        response = client.get(url)
        assert response.status_code == 200, url
    # the twin's map: every region's actors, an outline around them, one agent's series
    from web.twin import agents_info

    run.refresh_from_db()
    capacities, _ = agents_info(run.scenario_snapshot)
    assert {"dc_hohhot", "w-dc_hohhot"} <= set(capacities)
    outline = client.get(f"/api/runs/{run.pk}/outline.geojson")
    assert outline.status_code == 200 and json.loads(outline.content)["features"]
    series = client.get(f"/api/runs/{run.pk}/agents/w-dc_hohhot/series/")
    assert series.status_code == 200 and "it_migrated_mw" in series.json()["quantities"]


MR_DECISIONS = [{"actor_id": "w-dc_hohhot", "parameter": "kind", "value": "price_following"},
                {"actor_id": "migration", "parameter": "min_saving_pu", "value": 0.5}]


def test_a_multi_region_run_waits_takes_decisions_and_replays_them_after_a_killed_worker(owner, tiny_data, tmp_path):
    from django.utils import timezone
    from rest_framework.test import APIClient

    from agents.cli import main as cli_main

    doc = two_regions(tiny_data)
    doc["regions"][1]["actors"][1]["strategy"] = {"kind": "carbon_aware", "flex": {
        "deferrable_pu": 0.4, "deadline_h": 12.0, "migratable_pu": 0.5}}
    doc["decision_points"] = {"events": ["day_start"]}
    api = APIClient()
    api.force_login(owner)
    run = create_unqueued(owner, doc, seed=3)
    assert services.run_execute(run.pk, "w1") == "waiting"
    run.refresh_from_db()
    assert run.status == Run.Status.WAITING and run.step == 24
    listed = api.get(f"/api/runs/{run.pk}/decisions/").json()
    targets = {a["id"]: a for a in listed["actors"]}
    assert targets["w-dc_hohhot"]["region"] == "west" and "min_saving_pu" in targets["migration"]["parameters"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "_enqueue", lambda run_id: None)
        bad = api.post(f"/api/runs/{run.pk}/decisions/", {"decisions": [
            {"actor_id": "migration", "parameter": "min_saving_pu", "value": -1}]}, format="json")
        assert bad.status_code == 400 and bad.json()["errors"][0]["loc"] == "decisions.0.min_saving_pu"
        ok = api.post(f"/api/runs/{run.pk}/decisions/", {"decisions": MR_DECISIONS}, format="json")
    assert ok.status_code == 200, ok.content
    # a worker claims it, steps past the decisions, checkpoints and dies; another resumes from the checkpoint
    assert services.run_claim(run.pk, "dies")
    model = services._build(Run.objects.get(pk=run.pk))
    model.run(steps=6)
    Run.objects.filter(pk=run.pk).update(checkpoint=checkpoint_dumps(model), checkpoint_step=model.step_index,
                                         heartbeat_at=timezone.now() - timezone.timedelta(hours=1))
    assert services.run_execute(run.pk, "w3") == "succeeded"
    run.refresh_from_db()
    assert run.decisions == [{**d, "step": 24} for d in MR_DECISIONS]
    (tmp_path / "s.json").write_text(json.dumps(doc))
    (tmp_path / "d.json").write_text(json.dumps(run.decisions))
    assert cli_main([str(tmp_path / "s.json"), "--out", str(tmp_path / "cli"), "--seed", "3", "--json",
                     "--decisions", str(tmp_path / "d.json")]) == 0
    kpis = json.loads((tmp_path / "cli" / "kpis.json").read_text())
    kpis.pop("provenance")
    assert run.kpis == kpis
    assert Path(run.series_path).read_bytes() == (tmp_path / "cli" / "series.parquet").read_bytes()
    undecided = build_model(validate_scenario(doc), seed=3)
    undecided.run()
    assert run.kpis["regions"]["west"] != json.loads(json.dumps(services._json_safe(undecided.kpis())))["regions"][
        "west"]  # the decisions mattered
