"""Scenario documents of a given shape for budget, quota and load tests (built from the tiny fixture)."""
import copy
import json
from pathlib import Path

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios" / "_tiny.json"


def tiny(steps: int | None = None) -> dict:
    doc = json.loads(TINY.read_text(encoding="utf-8"))
    if steps is not None:
        doc["horizon"]["steps"] = steps
    return doc


def finding_19000_actors() -> dict:
    """The hostile scenario of issue 15: 19,000 actors × 70,272 quarter-hour steps in ~2 MB of JSON."""
    doc = tiny()
    doc["horizon"] = {"start": "2025-01-01T00:00", "steps": 70_272, "dt_h": 0.25}
    doc["contracts"] = []
    grid = next(a for a in doc["actors"] if a["type"] == "grid_operator")
    dcs = [{"type": "data_center", "id": f"d{i}", "name": f"d{i}", "lat": 40.8, "lon": 111.6, "it_capacity_mw": 1}
           for i in range(19_000 - 1)]
    doc["actors"] = [grid, *dcs]
    return doc


def fleet(steps: int, *, plain_dcs: int = 0, full_dcs: int = 0, plants: int = 0, winds: int = 0,
          utilities: int = 0) -> dict:
    """The tiny scenario with extra members: plain data centers, data centers with PV + battery + heat
    recovery (each with a heat contract), coal plants, wind farms, heat utilities."""
    doc = tiny(steps)
    by_id = {a["id"]: a for a in doc["actors"]}
    dc = by_id["dc_hohhot"]
    for i in range(plain_dcs):
        x = {k: v for k, v in copy.deepcopy(dc).items() if k not in ("battery", "heat_recovery")}
        doc["actors"].append({**x, "id": f"dc_plain_{i}", "pv_capacity_mw": 0.0})
    for i in range(full_dcs):
        doc["actors"].append({**copy.deepcopy(dc), "id": f"dc_full_{i}"})
        doc["contracts"].append({"type": "heat_purchase", "id": f"heat_{i}", "seller_id": f"dc_full_{i}",
                                 "buyer_id": "heat_city", "price_cny_per_mwh": 90.0})
    for i in range(plants):
        doc["actors"].append({**copy.deepcopy(by_id["coal_1"]), "id": f"coal_x{i}"})
    for i in range(winds):
        doc["actors"].append({**copy.deepcopy(by_id["wind_1"]), "id": f"wind_x{i}"})
    for i in range(utilities):
        doc["actors"].append({**copy.deepcopy(by_id["heat_city"]), "id": f"heat_x{i}"})
    return doc
