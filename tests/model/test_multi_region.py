"""Several regions in one run: validation, East Data West Computing migration (direction, conservation, no
future reading), balances per region, checkpoint/resume, CLI and the read API."""

import copy
import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from agents import (
    MultiRegionModel,
    MultiRegionScenario,
    RegionModel,
    ScenarioValidationError,
    build_model,
    checkpoint_dumps,
    checkpoint_loads,
    load_scenario,
    multi_region_json_schema,
    validate_scenario,
)

from .helpers import tiny_doc

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "scenarios" / "east_data_west_computing.json"
TOL_MW = 1e-6
WINDOW = {"start": "2025-07-01T00:00", "steps": 336}  # two summer weeks: both links carry work


def edwc_doc(kind: str = "carbon", **horizon) -> dict:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["horizon"].update(WINDOW if not horizon else horizon)
    doc["migration"]["kind"] = kind
    return doc


@cache
def edwc_run(kind: str) -> MultiRegionModel:
    model = build_model(validate_scenario(edwc_doc(kind)))
    model.run()
    return model


def two_region_doc() -> dict:
    """Two copies of the tiny region (ids renamed in the second) joined by one batch link."""
    east, west = tiny_doc(), tiny_doc()
    for a in west["actors"]:
        a["id"] = "w-" + a["id"]
    for c in west["contracts"]:
        c["id"], c["seller_id"], c["buyer_id"] = "w-" + c["id"], "w-" + c["seller_id"], "w-" + c["buyer_id"]
    body = ("region", "actors", "markets", "contracts")
    return {"schema_version": 1, "name": "two", "horizon": east["horizon"], "seed": 3,
            "regions": [{"id": "east", **{k: east[k] for k in body if k in east}},
                        {"id": "west", **{k: west[k] for k in body if k in west}}],
            "links": [{"id": "e-w", "from_region": "east", "to_region": "west", "work_capacity_mw": 5.0,
                       "latency_ms": 30.0}],
            "migration": {"kind": "carbon"}}


def _errors(doc) -> dict[str, str]:
    with pytest.raises(ScenarioValidationError) as exc:
        validate_scenario(doc)
    return {e["loc"]: e["msg"] for e in exc.value.errors}


# ------------------------------------------------------------------------------------------- scenario


def test_both_kinds_of_document_validate_through_one_entry_point():
    assert type(validate_scenario(tiny_doc())).__name__ == "Scenario"
    multi = validate_scenario(two_region_doc())
    assert isinstance(multi, MultiRegionScenario) and [r.id for r in multi.regions] == ["east", "west"]
    assert isinstance(load_scenario(FIXTURE), MultiRegionScenario)
    assert isinstance(build_model(validate_scenario(tiny_doc())), RegionModel)


def test_link_to_an_unknown_region_is_a_field_error():
    doc = two_region_doc()
    doc["links"][0]["to_region"] = "mars"
    assert "'mars' is not a region" in _errors(doc)["links.0.to_region"]


def test_duplicate_ids_across_regions_and_regions_are_field_errors():
    doc = two_region_doc()
    doc["regions"][1]["actors"][0]["id"] = doc["regions"][0]["actors"][0]["id"]
    doc["regions"][1]["id"] = "east"
    errors = _errors(doc)
    assert "across regions" in errors["regions.1.actors.0.id"]
    assert "duplicate region id" in errors["regions.1.id"]


def test_a_region_body_is_checked_by_the_single_region_rules():
    doc = two_region_doc()
    doc["regions"][1]["actors"][1]["it_capacity_mw"] = 0
    doc["regions"][0]["contracts"][0]["buyer_id"] = "nobody"
    doc["links"][0]["loss_pu"] = 2.0
    errors = _errors(doc)
    assert {"regions.1.actors.1.it_capacity_mw", "regions.0.contracts.0.buyer_id", "links.0.loss_pu"} <= set(errors)


def test_interactive_links_need_low_latency_and_regions_one_time_zone():
    doc = two_region_doc()
    doc["links"][0].update(latency_class="interactive", latency_ms=120.0)
    doc["regions"][1]["region"]["tz"] = "Europe/Helsinki"
    errors = _errors(doc)
    assert "latency_ms" in errors["links.0.latency_class"] and "one time zone" in errors["regions.1.region.tz"]


def test_multi_region_json_schema_is_exported_described_and_in_docs():
    schema = multi_region_json_schema()
    objects = [("MultiRegionScenario", schema)] + list(schema["$defs"].items())
    missing = [f"{n}.{f}" for n, node in objects for f, p in node.get("properties", {}).items()
               if not p.get("description")]
    assert missing == []
    link = schema["$defs"]["LinkSpec"]["properties"]
    assert link["work_capacity_mw"]["maximum"] and link["loss_pu"]["maximum"] == 0.5
    docs = ROOT / "docs" / "multi_region_scenario.schema.json"
    assert json.loads(docs.read_text(encoding="utf-8")) == schema, "regenerate docs/multi_region_scenario.schema.json"


def test_the_fixture_has_three_regions_500_agents_and_batch_links_west():
    s = load_scenario(FIXTURE)
    assert [r.id for r in s.regions] == ["shanghai", "hohhot", "qaidam"] and len(s.actors) >= 500
    assert {(link.from_region, link.to_region, link.latency_class) for link in s.links} == {
        ("shanghai", "hohhot", "batch"), ("shanghai", "qaidam", "batch")}
    assert all(25.0 <= link.latency_ms <= 45.0 for link in s.links)


# ------------------------------------------------------------------------------------------- East Data West Computing


def test_migration_moves_energy_west_and_lowers_total_co2():
    none, carbon = edwc_run("none").kpis(), edwc_run("carbon").kpis()
    mig = carbon["migration"]
    assert none["migration"]["moved_it_mwh"] == 0.0
    west = {lid: row["moved_it_mwh"] for lid, row in mig["links"].items()}
    assert west["sh-hh"] > 5000.0 and west["sh-qd"] > 800.0  # two summer weeks: ≈ 7,600 and 1,200 MWh
    assert mig["links"]["sh-hh"]["moved_it_mwh_by_class"]["interactive"] == 0.0  # batch links carry batch only
    d_co2 = {rid: carbon["regions"][rid]["co2_t"] - none["regions"][rid]["co2_t"] for rid in none["regions"]}
    assert d_co2["shanghai"] < -5000.0 and d_co2["hohhot"] > 0.0  # work (and its emissions) moved west
    total = carbon["region"]["co2_t"] - none["region"]["co2_t"]
    assert total == pytest.approx(sum(d_co2.values()))
    assert total < -1000.0  # measured −1,279 t in two weeks (≈ −0.1 % of the three regions' CO2)
    assert mig["marginal_co2_change_t"] < 0.0 and mig["source_marginal_co2_t"] > mig["destination_marginal_co2_t"]


def test_it_energy_is_conserved_losses_are_extra_at_the_destination():
    none, carbon = edwc_run("none"), edwc_run("carbon")
    dt = carbon.dt_h
    it_none = sum(m.r["dc_it_mw"] for m in none.models.values())
    it_carbon = sum(m.r["dc_it_mw"] for m in carbon.models.values())
    loss_mw = (carbon.moved_mw.sum(axis=2) * carbon.link_loss_pu).sum(axis=1)
    assert np.max(np.abs(it_carbon - it_none - loss_mw)) <= 1e-6  # every step
    k = carbon.kpis()["migration"]
    assert (it_carbon.sum() - it_none.sum()) * dt == pytest.approx(k["loss_mwh"], rel=1e-9)
    assert k["arrived_it_mwh"] == pytest.approx(k["moved_it_mwh"] * 1.02, rel=1e-12)
    # what left Shanghai's sites is what the links carried; each destination got its link's arrivals
    sh = carbon.models["shanghai"]
    assert -sh.dcs.it_migrated_mw.sum() * dt == pytest.approx(k["moved_it_mwh"], rel=1e-9)
    for rid, lid in (("hohhot", "sh-hh"), ("qaidam", "sh-qd")):
        got = carbon.models[rid].dcs.it_migrated_mw.sum() * dt
        assert got == pytest.approx(k["links"][lid]["arrived_it_mwh"], rel=1e-9)
    # never above a site's IT capacity nor below its idle power
    for m in carbon.models.values():
        cap, idle = m.dcs._cap, m.dcs._idle
        assert np.all(m.dcs.it_mw <= cap + 1e-9) and np.all(m.dcs.it_mw >= idle * cap - 1e-9)
        assert np.all(carbon.moved_mw.sum(axis=2) <= carbon.link_capacity_mw + 1e-9)


def test_energy_balance_closes_every_step_in_every_region():
    for m in edwc_run("carbon").models.values():
        r = m.r
        supply = r["generation_mw"] + r["import_mw"] + r["storage_discharge_mw"] + r["unserved_mw"]
        demand = r["load_mw"] + r["export_mw"] + r["storage_charge_mw"]
        assert np.max(np.abs(supply - demand)) <= TOL_MW
        # the operator's demand carries the moved work: the region series are the DCs' sums
        assert np.allclose(r["dc_it_mw"], m.dcs.it_mw.sum(axis=1), atol=TOL_MW)
        assert np.allclose(r["dc_facility_mw"], m.dcs.facility_mw.sum(axis=1), atol=TOL_MW)
        assert np.allclose(r["load_mw"], m.grid.other_load[:, 0] + m.dcs.facility_mw.sum(axis=1)
                           + m.dcs.hp_total_mw + m.heat.electric_load_mw, atol=TOL_MW)
        heat = r["heat_produced_mw"] + r["heat_from_dc_mw"] + r["heat_unserved_mw"]
        assert np.max(np.abs(heat - (r["heat_demand_mw"] + r["heat_loss_mw"]))) <= TOL_MW
        assert r["unserved_mw"].sum() == 0.0


def _moved_after_first_days(days: int, change) -> np.ndarray:
    model = build_model(validate_scenario(edwc_doc("carbon", start="2025-07-01T00:00", steps=24 * (days + 2))))
    for m in model.models.values():
        change(m.signals._day_ahead, 24 * days)  # the forecasts, computed now, edited before anything reads them
    model.run(24 * days)
    return model.moved_mw[:24 * days].copy()


def test_no_future_reading_a_changed_future_leaves_the_decided_days_unchanged():
    def nothing(forecasts, stop):
        return None

    def future(forecasts, stop):  # every forecast after the decided days turned upside down
        for arr in forecasts.values():
            arr[stop:] = arr[stop:][::-1] * 3.0 + 1.0

    def today(forecasts, stop):  # the decided days' own forecast changed: the decision must follow it
        forecasts["marginal_co2_kgco2_per_kwh"][:stop] = forecasts["marginal_co2_kgco2_per_kwh"][:stop][::-1]

    base = _moved_after_first_days(2, nothing)
    assert base.sum() > 0.0
    assert np.array_equal(_moved_after_first_days(2, future), base)
    assert not np.array_equal(_moved_after_first_days(2, today), base)


def test_checkpoint_resume_is_bit_identical():
    doc = edwc_doc("carbon", start="2025-07-01T00:00", steps=96)
    scenario = validate_scenario(doc)
    straight = build_model(scenario)
    straight.run()
    for cut in (36, 48):
        first = build_model(scenario)
        first.run(cut)
        resumed = checkpoint_loads(scenario, checkpoint_dumps(first))
        assert isinstance(resumed, MultiRegionModel) and resumed.step_index == cut
        resumed.run()
        assert resumed.series_table().equals(straight.series_table())
        assert json.dumps(resumed.kpis(), sort_keys=True) == json.dumps(straight.kpis(), sort_keys=True)


def test_a_checkpoint_of_another_scenario_is_refused():
    scenario = validate_scenario(edwc_doc("carbon", start="2025-07-01T00:00", steps=24))
    model = build_model(scenario)
    model.run(5)
    other = validate_scenario(edwc_doc("none", start="2025-07-01T00:00", steps=24))
    with pytest.raises(ValueError, match="different scenario"):
        checkpoint_loads(other, checkpoint_dumps(model))


# ------------------------------------------------------------------------------------------- read API, CLI


def test_read_api_describes_regions_links_and_agents_with_their_region():
    m = edwc_run("carbon")
    d = m.describe()
    assert [r["id"] for r in d["regions"]] == ["shanghai", "hohhot", "qaidam"]
    assert [link["id"] for link in d["links"]] == ["sh-hh", "sh-qd"]
    assert len(d["agents"]) == len(m.scenario.actors) and {a["region"] for a in d["agents"]} == set(m.region_ids)
    assert "hohhot.load_mw" in d["region_quantities"] and d["units"]["sh-hh.moved_mw"]["unit"] == "MW"
    state = m.agent_state(10)
    assert len(state["power_mw"]) == len(d["agents"])
    frame = m.region_frame(0, 24)
    assert len(frame["shanghai.load_mw"]) == 24 and len(frame["sh-hh.moved_mw"]) == 24
    table = m.series_table(0, 24)
    assert {"region.qaidam.co2_t", "link.sh-qd.moved_mw", "hh-hub-dc-001.it_migrated_mw"} <= set(table.column_names)
    k = m.kpis()
    assert set(k["regions"]) == set(m.region_ids) and k["agents"]["qd-dc"]["region"] == "qaidam"
    assert k["region"]["dc_it_energy_mwh"] == pytest.approx(sum(r["dc_it_energy_mwh"] for r in k["regions"].values()))


def test_cli_runs_a_multi_region_scenario(tmp_path, capsys):
    from agents.cli import main

    doc = edwc_doc("carbon", start="2025-07-01T00:00", steps=48)
    path = tmp_path / "edwc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert main([str(path), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "shanghai" in out and "sh-hh" in out
    kpis = json.loads((tmp_path / "out" / "kpis.json").read_text(encoding="utf-8"))
    assert set(kpis["regions"]) == {"shanghai", "hohhot", "qaidam"} and kpis["migration"]["moved_it_mwh"] > 0.0
    assert (tmp_path / "out" / "series.parquet").stat().st_size > 0


def test_two_regions_same_seed_same_results_and_regions_draw_their_own_noise():
    doc = two_region_doc()
    a, b = build_model(validate_scenario(doc)), build_model(validate_scenario(copy.deepcopy(doc)))
    a.run()
    b.run()
    assert a.series_table().equals(b.series_table())
    east, west = a.models["east"].dcs.it_mw, a.models["west"].dcs.it_mw
    assert not np.array_equal(east, west)  # same body, own sub-seed


def test_the_whole_run_must_fit_the_memory_budget(monkeypatch):
    from agents.budget import BUDGET_ENV, run_cost_bytes

    doc = two_region_doc()
    one_region = run_cost_bytes(validate_scenario(tiny_doc()))
    both = run_cost_bytes(MultiRegionScenario.model_validate(doc))
    assert both > one_region
    monkeypatch.setenv(BUDGET_ENV, str((one_region + both) // 2))  # each region fits alone, both together do not
    validate_scenario(tiny_doc())
    assert "run budget exceeded" in _errors(doc)["regions"]


def _with_day_plans(doc: dict) -> dict:
    """Shanghai's batch / training DCs also shift deferrable work in time (carbon_aware day plans) before the
    coordinator moves their migratable work."""
    for a in doc["regions"][0]["actors"]:
        if a["type"] == "data_center" and "strategy" in a:
            a["strategy"] = {"kind": "carbon_aware", "flex": {"deferrable_pu": 0.2, "migratable_pu": 0.6}}
    return doc


def test_day_plans_and_migration_together_conserve_it_energy_and_resume_bit_identically():
    horizon = {"start": "2025-07-01T00:00", "steps": 96}
    scenario = validate_scenario(_with_day_plans(edwc_doc("carbon", **horizon)))
    straight = build_model(scenario)
    straight.run()
    assert straight.moved_mw.sum() > 0.0 and straight.models["shanghai"].dcs.strategy_groups
    none = build_model(validate_scenario(_with_day_plans(edwc_doc("none", **horizon))))
    none.run()
    it = [sum(m.r["dc_it_mw"] for m in model.models.values()) for model in (straight, none)]
    loss_mw = (straight.moved_mw.sum(axis=2) * straight.link_loss_pu).sum(axis=1)
    assert np.max(np.abs(it[0] - it[1] - loss_mw)) <= 1e-6
    for cut in (30, 48):
        first = build_model(scenario)
        first.run(cut)
        resumed = checkpoint_loads(scenario, checkpoint_dumps(first))
        resumed.run()
        assert resumed.series_table().equals(straight.series_table())


def test_heat_utilities_plan_on_the_heat_offer_after_the_moves():
    """A heat-recovering DC whose work moves away offers less heat: its utility decides the day after the move
    (the coordinator runs between the DCs' and the heat utilities' observe) and never takes more than offered."""
    doc = two_region_doc()
    for region in doc["regions"]:
        for a in region["actors"]:
            if a["type"] == "data_center":
                a["strategy"] = {"kind": "none", "flex": {"migratable_pu": 1.0}}
    doc["links"].append({"id": "w-e", "from_region": "west", "to_region": "east", "work_capacity_mw": 5.0,
                         "latency_ms": 30.0})
    doc["migration"] = {"kind": "carbon", "carbon_signal": "average", "min_saving_pu": 0.0}
    model = build_model(validate_scenario(doc))
    model.run()
    assert model.moved_mw.sum() > 0.0
    for m in model.models.values():
        d = m.dcs
        assert np.any(d.it_migrated_mw < 0.0) or np.any(d.it_migrated_mw > 0.0)
        assert np.all(d.heat_delivered_mw <= d.heat_offer_mw + 1e-9)


def test_price_migration_lowers_the_data_centers_electricity_cost_but_not_co2():
    """Price-following migration moves more work to Hohhot (forecast ≈ 290 vs ≈ 410 CNY/MWh in Shanghai): the
    data centers pay less, while Hohhot's coal margin raises the regions' CO2 — the trade-off the carbon
    strategy avoids."""
    none, price = edwc_run("none").kpis(), edwc_run("price").kpis()

    def dc_cost(k):
        return sum(a["cost_cny"] for a in k["agents"].values() if a["type"] == "data_center")

    assert price["migration"]["links"]["sh-hh"]["moved_it_mwh"] > 20_000.0  # measured 26,554 MWh in two weeks
    assert dc_cost(price) < 0.97 * dc_cost(none)  # measured −4.2 % (185.6 → 177.8 MCNY)
    assert price["migration"]["cost_change_cny"] < 0.0
    assert price["region"]["co2_t"] > none["region"]["co2_t"]  # measured +2,813 t


@pytest.mark.slow
def test_the_year_of_east_data_west_computing_moves_work_west_and_lowers_co2():
    """The fixture's hourly year (docs/model.md "Several regions"): ≈ 91.5 GWh moved west, −24.0 kt CO2."""
    runs = {}
    for kind in ("none", "carbon"):
        doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
        doc["migration"]["kind"] = kind
        model = build_model(validate_scenario(doc))
        model.run()
        runs[kind] = model.kpis()
    mig = runs["carbon"]["migration"]["links"]
    assert mig["sh-hh"]["moved_it_mwh"] == pytest.approx(64_082.0, rel=0.02)
    assert mig["sh-qd"]["moved_it_mwh"] == pytest.approx(27_413.0, rel=0.02)
    d_co2 = runs["carbon"]["region"]["co2_t"] - runs["none"]["region"]["co2_t"]
    assert -26_000.0 < d_co2 < -22_000.0  # measured −24,028 t
    it = [runs[k]["region"]["dc_it_energy_mwh"] for k in ("none", "carbon")]
    assert it[1] - it[0] == pytest.approx(runs["carbon"]["migration"]["loss_mwh"], rel=1e-9)


def test_region_frame_carries_the_system_totals_under_the_single_region_names():
    m = edwc_run("carbon")
    frame = m.region_frame(0, 48)
    regions = [np.asarray(m.models[rid].r["load_mw"][:48]) for rid in m.region_ids]
    np.testing.assert_allclose(frame["load_mw"], sum(regions))
    np.testing.assert_allclose(frame["co2_t"], sum(m.models[rid].r["co2_t"][:48] for rid in m.region_ids))
    price = sum(m.models[rid].r["wholesale_price_cny_per_mwh"][:48] * regions[k]
                for k, rid in enumerate(m.region_ids)) / sum(regions)
    np.testing.assert_allclose(frame["wholesale_price_cny_per_mwh"], price)
    assert "largest_infeed_mw" not in frame and "shanghai.largest_infeed_mw" in frame
    d = m.describe()
    assert {"load_mw", "renewable_share_pu"} <= set(d["region_quantities"]) <= set(d["units"])
