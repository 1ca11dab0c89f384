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
    assert "not evaluated" in run.kpis["contracts"]["heat_deal"]["evaluation"]  # no multi-region counterfactual


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
