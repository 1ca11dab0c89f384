"""Weather in the model: each actor's own weather site, one wind series per farm, density-corrected wind."""

import copy

import numpy as np
import pytest

from agents import RegionModel, ScenarioValidationError, validate_scenario
from agents.physics import cooling
from agents.physics.wind import hub_air_density_kg_m3, hub_height_wind_speed, wind_power_pu
from agents.weather import farm_wind_speeds_m_s, weather_series

from .helpers import tiny_doc, variant

DAYS_60 = 24 * 60


def _model(doc, steps=None):
    if steps is not None:
        doc = copy.deepcopy(doc)
        doc["horizon"]["steps"] = steps
    model = RegionModel(validate_scenario(doc))
    model.run()
    return model


def _with_second_farm(doc, lat, lon, farm_id="wind_2"):
    doc = copy.deepcopy(doc)
    farm = copy.deepcopy(next(a for a in doc["actors"] if a["id"] == "wind_1"))
    farm.update(id=farm_id, name="Second wind farm", lat=lat, lon=lon)
    doc["actors"].append(farm)
    return doc


@pytest.mark.parametrize("index", [1, 4])  # the data center and the wind farm of the tiny fixture
def test_an_unknown_actor_weather_site_is_a_field_error(index):
    with pytest.raises(ScenarioValidationError) as info:
        validate_scenario(variant(**{f"actors.{index}.weather_site": "atlantis"}))
    errors = {e["loc"]: e["msg"] for e in info.value.errors}
    assert "atlantis" in errors[f"actors.{index}.weather_site"]


def test_a_data_center_on_its_own_weather_site_is_cooled_by_that_sites_air():
    doc = variant(**{"actors.1.cooling": "chiller_tower", "actors.1.weather_site": "shanghai"})
    model = _model(doc)
    home = _model(variant(**{"actors.1.cooling": "chiller_tower"}))
    steps = model.total_steps
    shanghai = weather_series("shanghai", model.start_utc, steps, model.dt_h, model.seed)
    j = model.dcs.site_keys.index("shanghai")
    np.testing.assert_array_equal(model.dcs.temp_c[:, j], shanghai.temp_c)
    np.testing.assert_array_equal(model.dcs.wet_bulb_c[:, j], shanghai.wet_bulb_c)
    # the region keeps its own weather (Hohhot in January) for everything else
    np.testing.assert_array_equal(model.r["temp_c"], home.r["temp_c"])
    # facility power before heat recovery follows the Shanghai wet bulb
    it = model.dcs.it_mw[:, 0]
    spec = model.dcs.specs[0]
    expected = it * cooling.pue_part_load(cooling.pue_full_load(shanghai.temp_c, "chiller_tower", shanghai.wet_bulb_c),
                                          it / spec.it_capacity_mw, spec.fixed_overhead_pu)
    facility = model.dcs.facility_mw[:, 0] + model.dcs.cooling_saved_mw[:, 0]
    np.testing.assert_allclose(facility, expected, rtol=1e-12)
    # winter in Shanghai is milder than in Hohhot: more mechanical cooling, higher PUE
    assert model.kpis()["agents"]["dc_hohhot"]["pue"] > home.kpis()["agents"]["dc_hohhot"]["pue"]


def test_a_wind_farm_on_its_own_weather_site_uses_that_sites_wind_and_air():
    model = _model(variant(**{"actors.4.weather_site": "golmud"}))
    w = weather_series("golmud", model.start_utc, model.total_steps, model.dt_h, model.seed)
    spec = model.renewables.specs[0]
    v10 = farm_wind_speeds_m_s(w, [(spec.id, spec.lat, spec.lon)], model.seed)[:, 0]
    pu = wind_power_pu(hub_height_wind_speed(v10, 10.0, spec.hub_height_m, spec.roughness_length_m),
                       spec.turbine_type, hub_air_density_kg_m3(w.pressure_pa, w.temp_c, spec.hub_height_m))
    np.testing.assert_allclose(model.renewables.available_mw[:, 0], pu * spec.capacity_mw, rtol=1e-12)


def test_wind_output_is_corrected_for_the_thin_air_at_hohhot():
    model = _model(tiny_doc(), steps=DAYS_60)
    spec = model.renewables.specs[0]
    w = model.weather
    v10 = farm_wind_speeds_m_s(w, [(spec.id, spec.lat, spec.lon)], model.seed)[:, 0]
    v_hub = hub_height_wind_speed(v10, 10.0, spec.hub_height_m, spec.roughness_length_m)
    standard_air = wind_power_pu(v_hub, spec.turbine_type).mean() * spec.capacity_mw
    # January air at 1,063 m is still thinner than 1.225 kg/m³ on average: output falls
    assert model.renewables.available_mw[:, 0].mean() < standard_air - 0.002 * spec.capacity_mw


def test_two_wind_farms_of_one_region_have_distinct_but_correlated_series():
    doc = _with_second_farm(tiny_doc(), 41.1, 112.9)  # ~85 km from wind_1
    model = _model(doc, steps=DAYS_60)
    a, b = model.renewables.available_mw[:, 0], model.renewables.available_mw[:, 1]
    assert not np.allclose(a, b)
    corr = float(np.corrcoef(a, b)[0, 1])
    assert 0.55 <= corr <= 0.92, corr  # latent correlation 0.95·exp(−85/500) ≈ 0.80; power curve lowers it
    # a farm much farther away is less correlated
    far = _model(_with_second_farm(tiny_doc(), 45.5, 119.0), steps=DAYS_60)  # ~700 km
    assert float(np.corrcoef(far.renewables.available_mw.T)[0, 1]) < corr - 0.25


def test_adding_a_farm_does_not_change_the_series_of_the_others():
    one = _model(tiny_doc(), steps=24 * 7)
    two = _model(_with_second_farm(tiny_doc(), 41.1, 112.9, farm_id="zz_wind"), steps=24 * 7)
    np.testing.assert_allclose(one.renewables.available_mw[:, 0], two.renewables.available_mw[:, 0], rtol=1e-12,
                               atol=1e-12)  # equal up to the rounding of a larger matrix product


def test_the_national_twin_gives_each_hub_region_its_own_weather_site():
    from fixtures.generate import NATIONAL_REGIONS, national

    doc = national(dc_count=200, plants_per_region=2, renewables_per_region=4)
    scenario = validate_scenario({"schema_version": 1, **doc})
    sites = {prefix: site for prefix, *_, site in NATIONAL_REGIONS}
    assert len(set(sites.values())) == len(NATIONAL_REGIONS) == 10
    for a in scenario.actors:
        if a.type in ("data_center", "renewable_plant"):
            assert a.weather_site == sites[a.id.split("-")[0]], a.id
    model = RegionModel(scenario)
    assert len(model.dcs.site_keys) == 10  # cooling of each hub region from its own air
    wind = [i for i, s in enumerate(model.renewables.specs) if s.technology == "wind"]
    cf = model.renewables.available_mw[:, wind].mean(axis=0) / 500.0
    assert cf.max() > 3 * cf.min()  # windy Inner Mongolia against the sheltered Sichuan basin
