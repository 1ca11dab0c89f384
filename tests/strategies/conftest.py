"""Shared inputs of the strategy tests."""

import json

import numpy as np
import pytest

from fixtures.generate import SCENARIO_DIR


@pytest.fixture(scope="session")
def shanghai_july_day():
    """The Shanghai fixture run for 15 July 2025: 160 data centers' IT, the retail TOU price, the average carbon
    intensity and the renewable share the model records (used here as a perfect day-ahead forecast)."""
    from agents import RegionModel, validate_scenario

    doc = json.loads((SCENARIO_DIR / "shanghai.json").read_text(encoding="utf-8"))
    doc["horizon"] = {**doc["horizon"], "start": "2025-07-15T00:00", "steps": 24}
    model = RegionModel(validate_scenario(doc), seed=1)
    model.run()
    dcs = model.dcs
    return {"it": np.array(dcs.it_mw), "cap": np.array([s.it_capacity_mw for s in dcs.specs]),
            "idle": np.array([s.idle_power_pu for s in dcs.specs]),
            "price": np.array(model.r["retail_price_cny_per_mwh"]),
            "carbon": np.array(model.r["carbon_intensity_kgco2_per_kwh"]),
            "share": np.array(model.r["renewable_share_pu"]), "facility": np.array(dcs.facility_mw),
            "hr_members": dcs.hr_members, "model": model}
