"""Same scenario + seed → identical numbers, however the run is sliced or resumed from a checkpoint."""

import numpy as np

from agents import RegionModel, checkpoint_dumps, checkpoint_loads

from .helpers import same_tables, variant


def test_same_seed_same_kpis_and_series(tiny_scenario):
    a = RegionModel(tiny_scenario, seed=3)
    a.run()
    b = RegionModel(tiny_scenario, seed=3)
    b.run()
    assert a.kpis() == b.kpis()
    assert same_tables(a.series_table(), b.series_table())


def test_seed_defaults_to_the_scenario_seed(tiny_scenario):
    a = RegionModel(tiny_scenario)
    a.run()
    b = RegionModel(tiny_scenario, seed=tiny_scenario.seed)
    b.run()
    assert a.kpis() == b.kpis()


def test_different_seed_gives_different_weather_and_load(tiny_scenario):
    a = RegionModel(tiny_scenario, seed=1)
    a.run()
    b = RegionModel(tiny_scenario, seed=2)
    b.run()
    assert not np.array_equal(a.r["temp_c"], b.r["temp_c"])
    assert a.kpis()["region"]["dc_it_energy_mwh"] != b.kpis()["region"]["dc_it_energy_mwh"]
    assert a.kpis()["region"]["co2_t"] != b.kpis()["region"]["co2_t"]


def test_stepping_in_slices_equals_one_go(tiny_scenario):
    a = RegionModel(tiny_scenario)
    a.run()
    b = RegionModel(tiny_scenario)
    while b.running:
        b.run(steps=7)
    assert b.step_index == b.total_steps == 48
    assert a.kpis() == b.kpis()
    assert same_tables(a.series_table(), b.series_table())


def test_checkpoint_resume_is_bit_identical(tiny_scenario):
    whole = RegionModel(tiny_scenario, seed=11)
    whole.run()
    part = RegionModel(tiny_scenario, seed=11)
    part.run(steps=19)
    blob = checkpoint_dumps(part)
    del part
    resumed = checkpoint_loads(tiny_scenario, blob)
    assert resumed.step_index == 19 and resumed.seed == 11
    resumed.run()
    assert resumed.kpis() == whole.kpis()
    assert same_tables(resumed.series_table(), whole.series_table())
    assert resumed.rng.bit_generator.state == whole.rng.bit_generator.state


def test_checkpoint_is_npz_without_pickle(tiny_scenario):
    import io

    m = RegionModel(tiny_scenario)
    m.run(steps=5)
    with np.load(io.BytesIO(checkpoint_dumps(m)), allow_pickle=False) as data:
        assert "header" in data.files
        assert all(data[k].dtype != object for k in data.files)


def test_checkpoint_refuses_another_scenario(tiny_scenario):
    import pytest

    from agents import validate_scenario

    m = RegionModel(tiny_scenario)
    m.run(steps=3)
    other = validate_scenario(variant(**{"horizon.steps": 24}))
    with pytest.raises(ValueError, match="different scenario"):
        checkpoint_loads(other, checkpoint_dumps(m))


def test_reading_results_mid_run_does_not_change_them(tiny_scenario):
    plain = RegionModel(tiny_scenario)
    plain.run()
    watched = RegionModel(tiny_scenario)
    while watched.running:
        watched.step()
        if watched.step_index % 5 == 3:
            watched.region_frame(0, watched.step_index)
            watched.agent_state(watched.step_index - 1)
    assert watched.kpis() == plain.kpis()
    assert same_tables(watched.series_table(), plain.series_table())


def test_quarter_hour_steps_give_the_same_energy_as_hourly():
    from agents import validate_scenario

    hourly = RegionModel(validate_scenario(variant(**{"horizon.steps": 24})))
    hourly.run()
    quarter = RegionModel(validate_scenario(variant(**{"horizon.steps": 96, "horizon.dt_h": 0.25})))
    quarter.run()
    h, q = hourly.kpis()["region"], quarter.kpis()["region"]
    assert quarter.total_steps == 96 and quarter.dt_h == 0.25
    # same day, same profiles; the weather is an independent draw at the finer step, so heat differs more
    for key, tol in (("dc_it_energy_mwh", 0.05), ("electricity_demand_mwh", 0.05), ("heat_demand_mwh", 0.25)):
        assert abs(q[key] - h[key]) / h[key] < tol, key
    frame = quarter.region_frame(0, 96)
    assert len(frame["load_mw"]) == 96
    assert np.isclose(q["electricity_demand_mwh"], sum(frame["load_mw"]) * 0.25)
    assert np.isclose(q["dc_it_energy_mwh"], sum(frame["dc_it_mw"]) * 0.25)
