"""Every fixture validates, is what its README promises, is up to date with its generator, and runs."""

from datetime import datetime

import numpy as np
import pytest

from .helpers import ALL_FIXTURES, DEMO_FIXTURES, ROOT, fixture_doc, run_doc

SHORT_STEPS = 168  # one week keeps this module fast; full years live in test_calibration.py


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_fixture_validates_against_the_schema(name):
    from agents import load_scenario

    scenario = load_scenario(ROOT / "fixtures" / "scenarios" / f"{name}.json")
    assert scenario.actors


def test_all_five_demo_fixtures_exist():
    assert set(DEMO_FIXTURES) <= set(ALL_FIXTURES)


def test_fixture_files_match_their_generator():
    from fixtures import generate

    texts = generate.build_all()
    assert set(texts) == set(DEMO_FIXTURES) | {"loss_of_load_event", "shanghai_summer_peak", "east_data_west_computing",
                                              "hohhot_grid_outage"}
    for stem, text in texts.items():
        on_disk = (ROOT / "fixtures" / "scenarios" / f"{stem}.json").read_text(encoding="utf-8")
        assert on_disk == text, f"{stem}.json is stale: run python fixtures/generate.py"


def test_generator_is_deterministic():
    from fixtures import generate

    assert generate.build_all() == generate.build_all()


def test_demo_fixtures_have_distinct_clear_names_and_descriptions():
    docs = [fixture_doc(n) for n in DEMO_FIXTURES]
    names = [d["name"] for d in docs]
    assert len(set(names)) == len(names)
    for d in docs:
        assert 10 <= len(d["name"]) <= 80
        assert len(d["description"]) >= 150
        assert "fixtures/README.md" in d["description"]


@pytest.mark.parametrize("name", (*DEMO_FIXTURES, "loss_of_load_event", "shanghai_summer_peak", "hohhot_grid_outage"))
def test_scenario_description_names_its_assumptions(name):
    """Issue 11 defect 11: the UI shows the scenario's description; figures without a public source are marked
    there as assumptions [A], as in fixtures/README.md."""
    d = fixture_doc(name)["description"]
    assert "[A]" in d, name


@pytest.mark.parametrize("name", DEMO_FIXTURES)
def test_demo_fixture_is_one_hourly_year_from_2025(name):
    doc = fixture_doc(name)
    h = doc["horizon"]
    assert datetime.fromisoformat(h["start"]) == datetime(2025, 1, 1)
    assert h["dt_h"] == 1.0 and h["steps"] == 8760


@pytest.mark.parametrize("name", DEMO_FIXTURES)
def test_every_actor_is_located_near_its_region(name):
    doc = fixture_doc(name)
    lat0, lon0 = doc["region"]["lat"], doc["region"]["lon"]
    for a in doc["actors"]:
        assert abs(a["lat"] - lat0) < 2.0 and abs(a["lon"] - lon0) < 2.0, a["id"]


def test_shanghai_has_about_200_agents_and_at_least_150_data_centers():
    doc = fixture_doc("shanghai")
    kinds = [a["type"] for a in doc["actors"]]
    assert 180 <= len(kinds) <= 230
    assert kinds.count("data_center") >= 150
    assert kinds.count("power_plant") >= 10 and kinds.count("renewable_plant") >= 10
    lines = {line["id"]: line for line in doc["markets"]["imports"]}
    assert sum(line["capacity_mw"] for line in lines.values()) > 0
    uhvdc = lines["sh-uhvdc-xiangjiaba"]  # hydro over ±800 kV UHVDC, on its delivery schedule (fixtures/README.md)
    assert uhvdc["capacity_mw"] == 6400.0 and uhvdc["renewable_share_pu"] == 1.0 and uhvdc["scheduled"]
    assert 0.0 < lines["sh-ac-east-china"]["renewable_share_pu"] < 0.5
    t = doc["region"]["tariff"]
    assert (t["peak_ratio"], t["valley_ratio"]) == (1.8, 0.4)


def test_shanghai_data_center_sizes_follow_a_heavy_tailed_distribution():
    it = np.array([a["it_capacity_mw"] for a in fixture_doc("shanghai")["actors"] if a["type"] == "data_center"])
    assert 1.5 <= np.median(it) <= 4.0  # most IDCs are a few MW
    assert it.max() >= 5.0 * np.median(it)  # a few large campuses
    assert abs(np.log(it).std() - 1.0) < 0.2  # lognormal sigma of the recipe (clipping trims it a little)


def test_hohhot_campus_matches_the_public_description():
    doc = fixture_doc("hohhot")
    dc = next(a for a in doc["actors"] if a["id"] == "hh-cmcc-aidc")
    assert 14.0 <= dc["it_capacity_mw"] <= 20.0
    # direct-to-chip cold plates on the accelerators, air for the rest (agents.physics.cooling liquid_air_hybrid)
    assert dc["racks"] >= 700 and dc["cooling"] == "liquid_air_hybrid" and dc["heat_recovery"]
    net = next(a for a in doc["actors"] if a["type"] == "heat_utility")["networks"][0]
    assert (net["season_start_md"], net["season_end_md"]) == ("10-15", "04-15")
    assert doc["region"]["grid_co2_t_per_mwh"] == 0.6849
    t = doc["region"]["tariff"]
    assert (t["peak_ratio"], t["valley_ratio"]) == (1.68, 0.48)
    assert {"start_h": 11, "end_h": 16} in t["valley_hours"]
    assert any(a["type"] == "renewable_plant" and a["technology"] == "wind" for a in doc["actors"])
    assert any(a["type"] == "power_plant" and a["fuel"] == "coal" for a in doc["actors"])


def test_tianjin_park_matches_the_public_description():
    doc = fixture_doc("tianjin_wuqing")
    park = next(a for a in doc["actors"] if a["type"] == "heat_utility")
    net = park["networks"][0]
    assert net["floor_area_m2"] == 103_000.0
    assert (net["season_start_md"], net["season_end_md"]) == ("11-15", "03-15")
    dc = next(a for a in doc["actors"] if a["id"] == "tj-gaocun-dc1")
    # 400 m between the cluster and the park (equirectangular distance)
    dy = (park["lat"] - dc["lat"]) * 111_195.0
    dx = (park["lon"] - dc["lon"]) * 111_195.0 * np.cos(np.radians(dc["lat"]))
    assert 350.0 <= np.hypot(dx, dy) <= 450.0
    assert doc["region"]["grid_co2_t_per_mwh"] == 0.7041


def test_qaidam_microgrid_matches_the_public_description():
    doc = fixture_doc("qaidam_microgrid")
    pv_mw = sum(a["capacity_mw"] for a in doc["actors"] if a["type"] == "renewable_plant" and a["technology"] == "pv")
    assert pv_mw == pytest.approx(122.0)
    bess = next(a for a in doc["actors"] if a["type"] == "storage")["battery"]
    assert (bess["power_capacity_mw"], bess["energy_capacity_mwh"]) == (75.0, 300.0)
    dc = next(a for a in doc["actors"] if a["type"] == "data_center")
    assert 900 <= dc["racks"] <= 1100
    assert 20.0 <= dc["rack_density_kw"] <= 40.0  # high-power AI racks (DOMAIN.md 20–40 kW)
    assert dc["it_capacity_mw"] == pytest.approx(dc["racks"] * dc["rack_density_kw"] / 1000.0)
    assert sum(line["capacity_mw"] for line in doc["markets"]["imports"]) <= 30.0  # weak grid tie
    assert doc["region"]["weather_site"] == "golmud" and doc["region"]["grid_co2_t_per_mwh"] == 0.1567


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_fixture_runs_a_week_with_closed_balances(name):
    model = run_doc(fixture_doc(name), SHORT_STEPS)
    steps = min(SHORT_STEPS, model.total_steps)
    assert model.step_index == steps
    for region in getattr(model, "models", {"": model}).values():  # every region of a multi-region fixture
        r = region.region_frame(0, steps)
        g = {k: np.asarray(v) for k, v in r.items()}
        supply = g["generation_mw"] + g["import_mw"] + g["storage_discharge_mw"] + g["unserved_mw"]
        use = g["load_mw"] + g["export_mw"] + g["storage_charge_mw"]
        np.testing.assert_allclose(supply, use, atol=1e-6, rtol=0)
        heat_in = g["heat_produced_mw"] + g["heat_from_dc_mw"] + g["heat_unserved_mw"]
        np.testing.assert_allclose(heat_in, g["heat_demand_mw"] + g["heat_loss_mw"], atol=1e-6, rtol=0)
        assert np.all(g["dc_facility_mw"] >= g["dc_it_mw"])
        assert np.all(g["heat_recovered_mw"] <= g["dc_it_mw"] + 1e-9)
    kpis = model.kpis()
    assert kpis["region"]["steps"] == steps
    assert len(kpis["agents"]) == len(model.describe()["agents"])
    assert 0.0 <= kpis["region"]["renewable_share"] <= 1.0 + 1e-9
    for agent in kpis["agents"].values():
        if agent["type"] == "data_center":
            assert agent["pue"] >= 1.0 and 0.0 <= agent["ref"] <= 1.0 and "ref_annual" not in agent  # never clipped
            assert agent["mean_delivered_pflops"] <= agent["compute_capacity_pflops"]


@pytest.mark.parametrize("name", DEMO_FIXTURES)
def test_fixture_week_is_reproducible_with_the_same_seed(name):
    a = run_doc(fixture_doc(name), 48).kpis()
    b = run_doc(fixture_doc(name), 48).kpis()
    assert a == b


@pytest.mark.parametrize("name", ["shanghai", "hohhot", "qaidam_microgrid"])
def test_fixture_resumed_from_a_checkpoint_equals_an_uninterrupted_run(name):
    from agents import checkpoint_dumps, checkpoint_loads, validate_scenario

    straight = run_doc(fixture_doc(name), 48)
    first = run_doc(fixture_doc(name), 24)
    resumed = checkpoint_loads(validate_scenario(fixture_doc(name)), checkpoint_dumps(first))
    resumed.run(24)
    assert resumed.step_index == 48
    assert resumed.kpis() == straight.kpis()
    assert resumed.series_table().equals(straight.series_table())


def test_fixture_runs_from_the_command_line(tmp_path):
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "agents", str(ROOT / "fixtures" / "scenarios" / "tianjin_wuqing.json"),
         "--steps", "24", "--json", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    kpis = json.loads(out.stdout)
    assert kpis["region"]["steps"] == 24
    assert (tmp_path / "kpis.json").exists() and (tmp_path / "series.parquet").exists()


@pytest.mark.parametrize("name", ["hohhot", "qaidam_microgrid"])
def test_fixture_runs_at_15_minute_steps(name):
    doc = fixture_doc(name)
    doc["horizon"] = {**doc["horizon"], "dt_h": 0.25, "steps": 96}
    model = run_doc(doc)
    g = {k: np.asarray(v) for k, v in model.region_frame(0, 96).items()}
    supply = g["generation_mw"] + g["import_mw"] + g["storage_discharge_mw"] + g["unserved_mw"]
    np.testing.assert_allclose(supply, g["load_mw"] + g["export_mw"] + g["storage_charge_mw"], atol=1e-6, rtol=0)
    k = model.kpis()["region"]
    assert k["dc_it_energy_mwh"] == pytest.approx(g["dc_it_mw"].sum() * 0.25)  # energy = power × dt_h


def test_national_benchmark_recipe_validates_with_about_3000_agents():
    from agents import validate_scenario
    from fixtures.generate import national

    scenario = validate_scenario({"schema_version": 1, **national()})
    kinds = [a.type for a in scenario.actors]
    assert 2900 <= len(kinds) <= 3100
    assert kinds.count("data_center") >= 2000 and kinds.count("grid_operator") == 1


def test_shanghai_summer_peak_calls_the_heat_wave_events_and_the_lingang_centers_respond():
    """The whole fixture (June–July): the price-triggered and the explicit July event are called and settled;
    the enrolled Lingang data centers (dr_committed) cut IT by the called 23 MW in every event step."""
    import numpy as np

    model = run_doc(fixture_doc("shanghai_summer_peak"))
    assert [(c["start_step"], c["end_step"]) for c in model.dr.calls] == [(1264, 1267), (1285, 1289)]
    assert [r["measured"] for r in model.dr.results] == [True, True]
    dcs, members = model.dcs, model.dr.members[0]
    cols = np.searchsorted(dcs.flex_members, members)
    for c in model.dr.calls:
        s, e = c["start_step"], c["end_step"]
        cut = -dcs.it_shift_mw[s:e][:, cols].sum(axis=1)
        assert np.all(cut > 0.85 * 23.0) and np.all(cut <= 23.0 + 1e-9)
    np.testing.assert_allclose(np.asarray(dcs.it_mw[:, dcs.flex_members]).sum(axis=0), dcs.it_base_mw.sum(axis=0),
                               rtol=1e-9)
