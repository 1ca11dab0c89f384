"""Per-year cost of the storage strategy module (agents.strategies.storage_schedule): 365 daily windows.

Usage: ``python benchmarks/storage_schedule.py``. Prints CPU and wall time per simulated year for each case
and exits 1 when the target of issue 12 is missed: 10 batteries on the arbitrage LP ≤ 0.5 s CPU per year
(CPU time, so that other processes on the machine do not count). Hourly steps, random day-ahead prices.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agents.strategies.storage_schedule import (  # noqa: E402
    HeatTankSpec,
    StorageScheduler,
    StorageStrategySpec,
    ThermalStorageStrategySpec,
    heat_tank_scheduler,
    schedule_heat_tank,
    schedule_horizon,
)

TARGET_CPU_S = 0.5  # 10 batteries, arbitrage, one year


def _year(label: str, run) -> float:
    run()  # warm-up (first-call imports and matrix build are once per fleet, not per year)
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{label:<58s} {cpu:6.3f} s CPU  {wall:6.3f} s wall per year")
    return cpu


def main() -> int:
    rng = np.random.default_rng(2026)
    steps = 8760
    price = 400.0 + 250.0 * np.sin(np.arange(steps) * 2 * np.pi / 24) + rng.normal(0, 60, steps)
    net = 3000.0 + 600.0 * np.sin((np.arange(steps) - 6) * 2 * np.pi / 24) + rng.normal(0, 50, steps)
    results = {}
    for m in (1, 10, 20):
        e = rng.uniform(10, 400, m)
        p = e / rng.uniform(2, 4, m)
        spec = StorageStrategySpec(kind="arbitrage", soc_min_pu=0.1, soc_max_pu=0.9, degradation_cost_cny_per_mwh=20)
        sch = StorageScheduler.for_batteries(spec, 1.0, e, p)
        results[m] = _year(f"arbitrage LP, {m} batteries", lambda s=spec, c=sch, e=e: schedule_horizon(
            s, c, price, 0.5 * e, 24))
    e = rng.uniform(10, 400, 10)
    p = e / 2
    full = StorageStrategySpec(kind="peak_shaving", soc_min_pu=0.1, soc_max_pu=0.9, degradation_cost_cny_per_mwh=20,
                               cycle_limit_per_window=1.5, peak_weight_cny_per_mw=500, reserve_mw=2.0)
    sch = StorageScheduler.for_batteries(full, 1.0, e, p)
    _year("peak shaving + reserve + cycle limit LP, 10 batteries", lambda: schedule_horizon(full, sch, price, 0.5 * e,
                                                                                           24, net))
    tou = StorageStrategySpec(kind="tou_rule")
    sch_tou = StorageScheduler.for_batteries(tou, 1.0, e, p)
    _year("tou_rule (documented rule), 10 batteries", lambda: schedule_horizon(tou, sch_tou, price, 0.5 * e, 24))
    tank = HeatTankSpec(capacity_mwh_th=2000, charge_capacity_mw_th=200, discharge_capacity_mw_th=300)
    tsch = heat_tank_scheduler([tank] * 3, ThermalStorageStrategySpec(), 1.0)
    demand = np.full((24, 3), 250.0)

    def tanks():
        s = np.full(3, 1000.0)
        for a in range(0, steps, 24):
            s = schedule_heat_tank(tsch, price[a:a + 24] * 0.4, s, demand).soc_mwh[-1]

    _year("heat tank LP (0.5 %/h losses), 3 tanks", tanks)
    ok = results[10] <= TARGET_CPU_S
    print(f"target: 10 batteries arbitrage <= {TARGET_CPU_S} s CPU per year: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
