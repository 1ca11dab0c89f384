"""Annual PUE of each cooling technology with an hourly synthetic year of each site (DOMAIN.md bands)."""

import numpy as np
import pytest

from agents.physics.cooling import pue_full_load, pue_part_load, wue_l_per_kwh
from agents.physics.it_load import it_power_mw, utilisation_profile
from agents.weather import SITES, local_time_fields, weather_series

TEMPERATE_COLD = ("tianjin", "hohhot", "golmud", "espoo")
DOMAIN_SITES = ("shanghai", *TEMPERATE_COLD)  # the sites DOMAIN.md's bands speak of
BANDS = {
    "chiller_tower": (1.29, 1.39),
    "indirect_evaporative": (1.12, 1.16),
    "direct_to_chip": (1.06, 1.10),
    "immersion": (1.03, 1.05),
}
REFERENCE_LOAD_PU = 0.8  # IT load / design IT load of a typical modern site


def _year(site):
    return weather_series(site, "2025-01-01T00:00", 8760, 1.0, seed=7)


def annual_pue(site, tech, load_pu=REFERENCE_LOAD_PU):
    w = _year(site)
    it = np.broadcast_to(load_pu, w.temp_c.shape)
    facility = it * pue_part_load(pue_full_load(w.temp_c, tech, w.wet_bulb_c), it)
    return float(facility.sum() / it.sum())


@pytest.mark.parametrize("tech", sorted(BANDS))
def test_annual_pue_in_domain_band_for_temperate_and_cold_sites(tech):
    lo, hi = BANDS[tech]
    for site in TEMPERATE_COLD:
        assert lo <= annual_pue(site, tech) <= hi, site


@pytest.mark.parametrize("tech", sorted(BANDS))
def test_shanghai_sits_at_the_top_of_each_band(tech):
    lo, hi = BANDS[tech]
    shanghai = annual_pue("shanghai", tech)
    assert shanghai <= hi
    assert shanghai >= max(annual_pue(site, tech) for site in TEMPERATE_COLD)
    if tech == "chiller_tower":
        assert shanghai >= hi - 0.03


@pytest.mark.parametrize("site", sorted(SITES))  # all sites, the national hub sites too
def test_direct_to_chip_uses_at_least_15_percent_less_facility_energy_than_chillers(site):
    assert annual_pue(site, "direct_to_chip") <= 0.85 * annual_pue(site, "chiller_tower")


@pytest.mark.parametrize("workload", ["online_diurnal", "training_flat"])
def test_hohhot_liquid_cooled_campus_annual_pue_with_its_utilisation(workload):
    w = _year("hohhot")
    cal = local_time_fields(w.times_utc, SITES["hohhot"].tz)
    u = utilisation_profile(workload, cal["hour_of_day"], cal["day_of_week"])
    it = it_power_mw(17.0, u)  # ~14–20 MW IT (DOMAIN.md case)
    facility = it * pue_part_load(pue_full_load(w.temp_c, "liquid_air_hybrid", w.wet_bulb_c), it / 17.0)
    assert 1.10 <= facility.sum() / it.sum() <= 1.22


def test_towers_and_evaporative_coolers_follow_the_wet_bulb_so_dry_sites_gain():
    """Same dry-bulb year, different humidity: an evaporative technology's PUE and WUE move with the wet bulb,
    a dry cooler's do not (Tianjin's year with its own humidity against near-saturated air)."""
    w = _year("tianjin")
    humid_wet_bulb = w.temp_c - 0.5  # near saturation
    for tech in ("chiller_tower", "indirect_evaporative"):
        dry_air = pue_full_load(w.temp_c, tech, w.wet_bulb_c).mean()
        humid_air = pue_full_load(w.temp_c, tech, humid_wet_bulb).mean()
        assert dry_air < humid_air - 0.01, tech
        assert wue_l_per_kwh(w.temp_c, tech, w.wet_bulb_c).mean() < wue_l_per_kwh(w.temp_c, tech, humid_wet_bulb).mean()
    np.testing.assert_array_equal(pue_full_load(w.temp_c, "direct_to_chip", w.wet_bulb_c),
                                  pue_full_load(w.temp_c, "direct_to_chip", humid_wet_bulb))


def test_annual_tower_wue_is_about_1_8_in_a_temperate_humid_climate_and_lower_where_dry():
    def annual_wue(site, tech):
        w = _year(site)
        return float(wue_l_per_kwh(w.temp_c, tech, w.wet_bulb_c).mean())

    assert 1.5 <= annual_wue("shanghai", "chiller_tower") <= 2.1
    assert 1.4 <= annual_wue("tianjin", "chiller_tower") <= 2.0
    assert annual_wue("golmud", "chiller_tower") < annual_wue("shanghai", "chiller_tower")
    assert annual_wue("shanghai", "direct_to_chip") <= 0.2
