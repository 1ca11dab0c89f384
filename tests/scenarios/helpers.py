"""Shared helpers of the fixture tests: load fixtures, run them once per session, read series."""

import copy
import json
from functools import cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = ROOT / "fixtures" / "scenarios"
DEMO_FIXTURES = ("shanghai", "hohhot", "tianjin_wuqing", "qaidam_microgrid", "espoo")
ALL_FIXTURES = tuple(sorted(p.stem for p in SCENARIO_DIR.glob("*.json")))


def fixture_doc(name: str) -> dict:
    return json.loads((SCENARIO_DIR / f"{name}.json").read_text(encoding="utf-8"))


def actor(doc: dict, actor_id: str) -> dict:
    return next(a for a in doc["actors"] if a["id"] == actor_id)


def run_doc(doc: dict, steps: int | None = None):
    """Validate ``doc``, build its model (a RegionModel, or a MultiRegionModel for a multi-region document) and run
    ``steps`` (None = the whole horizon)."""
    from agents import build_model, validate_scenario

    model = build_model(validate_scenario(doc))
    model.run(steps)
    return model


class YearRun:
    """A finished full-year run: KPIs plus column access to the series table as numpy arrays."""

    def __init__(self, model):
        self.model = model
        self.kpis = model.kpis()
        self.table = model.series_table()
        self.dt_h = model.dt_h

    def col(self, name: str) -> np.ndarray:
        return self.table.column(name).to_numpy()

    def energy_mwh(self, name: str) -> float:
        return float(self.col(name).sum() * self.dt_h)


@cache
def year_run(name: str) -> YearRun:
    """Full-horizon run of a fixture, computed once per test session."""
    return YearRun(run_doc(fixture_doc(name)))


@cache
def year_run_variant(name: str, change: str) -> YearRun:
    """Full-horizon run of a named variant of a fixture (see VARIANTS)."""
    doc = copy.deepcopy(fixture_doc(name))
    VARIANTS[change](doc)
    return YearRun(run_doc(doc))


def _air_cooled_cmcc(doc: dict) -> None:
    """The Hohhot AI campus with chillers + towers instead of direct-to-chip liquid (same IT, same seed)."""
    a = actor(doc, "hh-cmcc-aidc")
    a["cooling"] = "chiller_tower"


def _d2c_cmcc(doc: dict) -> None:
    """The Hohhot AI campus fully direct-to-chip liquid cooled (no air-cooled share)."""
    actor(doc, "hh-cmcc-aidc")["cooling"] = "direct_to_chip"


def _no_dc_heat(doc: dict) -> None:
    """The fixture without data-center heat recovery: the district-heating baseline."""
    doc["contracts"] = []
    for a in doc["actors"]:
        a.pop("heat_recovery", None)


def _air_cooled_shanghai_d2c(doc: dict) -> None:
    """Every direct-to-chip data center of Shanghai switched to chillers + towers (same IT, same seed)."""
    for a in doc["actors"]:
        if a["type"] == "data_center" and a["cooling"] == "direct_to_chip":
            a["cooling"] = "chiller_tower"


VARIANTS = {
    "air_cooled_cmcc": _air_cooled_cmcc,
    "d2c_cmcc": _d2c_cmcc,
    "no_dc_heat": _no_dc_heat,
    "air_cooled_shanghai_d2c": _air_cooled_shanghai_d2c,
}


def district_heat_co2_g_per_kwh(run: YearRun, utility_id: str) -> float:
    """CO2 intensity of the heat a utility supplies [gCO2/kWh_th] over the run.

    ``(fuel CO2 of its units + (its electricity use + data-center heat-pump electricity) × grid intensity)
    / (heat produced + heat bought from data centers)``; ``co2_t`` holds the heat share of CHP fuel CO2 (the
    utility's allocation method), the power share goes to the grid.
    """
    grid_t_per_mwh = run.col("region.carbon_intensity_kgco2_per_kwh")
    electricity_mw = run.col(f"{utility_id}.power_mw") + run.col(f"{utility_id}.chp_generation_mw")
    electricity_mw = electricity_mw + run.col("region.dc_heat_pump_mw")
    co2_t = run.col(f"{utility_id}.co2_t").sum() + float((electricity_mw * grid_t_per_mwh).sum() * run.dt_h)
    heat_mwh = run.energy_mwh(f"{utility_id}.heat_produced_mw") + run.energy_mwh(f"{utility_id}.heat_from_dc_mw")
    return float(co2_t / heat_mwh * 1000.0)


def _tianjin_air_source(doc: dict) -> None:
    """Qingshu park heated by air-source heat pumps instead of data-center heat (the reported comparison)."""
    doc["contracts"] = []
    for a in doc["actors"]:
        a.pop("heat_recovery", None)
        if a["type"] == "heat_utility":
            a["units"] = [{"kind": "air_source_heat_pump", "capacity_mw": 7.0, "carnot_efficiency": 0.40}]


VARIANTS["tianjin_air_source"] = _tianjin_air_source


def _qaidam_heat_recovery(doc: dict) -> None:
    """Qaidam with a heat-recovering data center selling to a small Golmud district-heating network: a heat pump
    it owns lifts the halls' 30 °C heat to 60 °C (the variant that showed REF 1.05 before issue 11)."""
    dc = actor(doc, "qd-dc")
    dc["heat_recovery"] = {"heat_pump_capacity_mw": 6.0, "source_temp_c": 30.0, "sink_temp_c": 60.0,
                           "carnot_efficiency": 0.5}
    doc["actors"].append({
        "type": "heat_utility", "id": "qd-heat", "name": "Golmud district heating (illustrative)",
        "lat": dc["lat"] + 0.01, "lon": dc["lon"],
        "networks": [{"name": "Golmud east", "floor_area_m2": 200_000.0, "design_load_w_per_m2": 45.0,
                      "design_temp_c": -20.0, "supply_temp_c": 60.0, "return_temp_c": 35.0, "loss_pu": 0.1,
                      "season_start_md": "10-15", "season_end_md": "04-15"}],
        "units": [{"kind": "coal_boiler", "capacity_mw": 12.0, "efficiency_pu": 0.85}],
        "heat_price_cny_per_mwh": 160.0})
    doc["contracts"] = [{"type": "heat_purchase", "id": "qd-heat-deal", "seller_id": "qd-dc", "buyer_id": "qd-heat",
                         "price_cny_per_mwh": 60.0}]


VARIANTS["qaidam_heat_recovery"] = _qaidam_heat_recovery
