"""Model speed and memory: the Shanghai hourly year and a generated ~3,000-agent national twin.

Usage: ``python benchmarks/model.py [shanghai|shanghai_flex|shanghai_outage|national|east_data_west_computing ...]`` (default: all). Each case runs in a fresh
subprocess so its peak RSS (``resource.getrusage``) is its own. One-time imports of pvlib, scipy.signal and
windpowerlib (≈ 2–3 s cold) are timed and printed apart from build + run, which the target applies to. Prints build and run wall time, agent-steps
per second and peak RSS, and exits 1 when a target is missed: issue "A model a planner can audit" (with unit
commitment, CHP, import lines and the frequency study on): Shanghai year ≤ 1.5 s, national year ≤ 10 s on one
core; memory ≤ 1.5 GB (issue 4). ``shanghai_flex`` (issue 12): the Shanghai year with flexible workloads, storage
bids and a DR event (``shanghai_flex_doc``) ≤ 2 s. ``shanghai_outage``: the Shanghai year with a 4-h grid outage of
every data center (``shanghai_outage_doc``, agents.outages) ≤ 1.5 s, like the year without it. ``east_data_west_computing`` (issue 12): the three-region,
514-agent fixture with daily migration of work (agents.multi_region) ≤ 10 s.

National twin recipe (``fixtures.generate.national``): 2,400 data centers over ten national hub regions,
40 coal/gas units and 20 wind/PV plants per region, one grid operator: 3,001 agents in one model.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGETS = {  # case: (wall-time limit [s], peak-RSS limit [MB] or None)
    "shanghai": (1.5, None),
    "shanghai_flex": (2.0, None),
    "shanghai_outage": (1.5, None),
    "national": (10.0, 1536.0),
    "east_data_west_computing": (10.0, None),
}


def _scenario_doc(case: str) -> dict:
    from fixtures import generate

    if case == "shanghai":
        return json.loads((generate.SCENARIO_DIR / "shanghai.json").read_text(encoding="utf-8"))
    if case == "shanghai_flex":
        return shanghai_flex_doc()
    if case == "shanghai_outage":
        return shanghai_outage_doc()
    if case == "national":
        return {"schema_version": 1, **generate.national()}
    if case == "east_data_west_computing":
        return json.loads((generate.SCENARIO_DIR / "east_data_west_computing.json").read_text(encoding="utf-8"))
    raise SystemExit(f"unknown case {case!r}; expected one of {sorted(TARGETS)}")


def shanghai_flex_doc() -> dict:
    """The Shanghai year with every flexibility feature on: the data centers' workload strategies of the
    summer-peak fixture (Lingang DR-committed, a third of the others carbon-aware, a third price-following),
    its demand-response program, aggregator and July heat-wave event, and the stand-alone storage bidding an
    arbitrage schedule from the published price forecast."""
    from fixtures import generate

    year = json.loads((generate.SCENARIO_DIR / "shanghai.json").read_text(encoding="utf-8"))
    peak = json.loads((generate.SCENARIO_DIR / "shanghai_summer_peak.json").read_text(encoding="utf-8"))
    year["demand_response"] = peak["demand_response"]
    strategies = {a["id"]: a["strategy"] for a in peak["actors"] if a["type"] == "data_center" and "strategy" in a}
    for a in year["actors"]:
        if a["type"] == "data_center" and a["id"] in strategies:
            a["strategy"] = strategies[a["id"]]
        if a["type"] == "storage" and not a.get("owner_id"):
            a["strategy"] = {"kind": "arbitrage"}
    return year


def shanghai_outage_doc() -> dict:
    """The Shanghai year with a 4-h grid outage of every data center on a July evening (agents.outages)."""
    from fixtures import generate

    year = json.loads((generate.SCENARIO_DIR / "shanghai.json").read_text(encoding="utf-8"))
    year["events"] = [*year.get("events", []), {"type": "grid_outage", "at": "2025-07-10T18:00", "duration_h": 4.0}]
    return year


def measure(case: str) -> dict:
    """Build and run one case in this process; return its figures."""
    t0 = time.perf_counter()
    import pvlib  # noqa: F401  heavy libraries the build imports lazily, timed apart (a worker pays them once)
    import scipy.signal  # noqa: F401
    import windpowerlib  # noqa: F401

    from agents import build_model, validate_scenario

    import_s = time.perf_counter() - t0
    doc = _scenario_doc(case)
    started = time.perf_counter()
    scenario = validate_scenario(doc)
    model = build_model(scenario)  # a RegionModel, or a MultiRegionModel for several regions
    built = time.perf_counter()
    model.run()
    finished = time.perf_counter()
    rss_run_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kB
    kpis = model.kpis()
    kpis_s = time.perf_counter() - finished
    n_agents = len(scenario.actors)
    run_s = finished - built
    return {
        "case": case,
        "agents": n_agents,
        "steps": model.total_steps,
        "import_s": import_s,
        "build_s": built - started,
        "run_s": run_s,
        "total_s": finished - started,
        "agent_steps_per_s": n_agents * model.total_steps / run_s if run_s > 0 else float("inf"),
        "kpis_s": kpis_s,
        "peak_rss_run_mb": rss_run_mb,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "pue": kpis["region"]["pue"],
        "electricity_twh": kpis["region"]["electricity_demand_mwh"] / 1e6,
        "regions": len(kpis.get("regions", {})) or 1,
        "moved_gwh": kpis["migration"]["moved_it_mwh"] / 1e3 if "migration" in kpis else None,
        "migration_co2_change_t": kpis["migration"]["marginal_co2_change_t"] if "migration" in kpis else None,
    }


def _report(fig: dict) -> bool:
    limit_s, limit_mb = TARGETS[fig["case"]]
    ok_time = fig["total_s"] <= limit_s
    ok_mem = limit_mb is None or fig["peak_rss_mb"] <= limit_mb
    mem_target = f" (target ≤ {limit_mb:.0f} MB)" if limit_mb else ""
    regions = f" in {fig['regions']} regions" if fig.get("regions", 1) > 1 else ""
    print(f"{fig['case']}: {fig['agents']} agents{regions} × {fig['steps']} hourly steps")
    print(f"  build {fig['build_s']:.2f} s + run {fig['run_s']:.2f} s = {fig['total_s']:.2f} s "
          f"(target ≤ {limit_s:g} s) {'ok' if ok_time else 'MISSED'}; library imports before it "
          f"{fig['import_s']:.2f} s")
    print(f"  {fig['agent_steps_per_s']:,.0f} agent-steps/s")
    print(f"  peak RSS {fig['peak_rss_mb']:.0f} MB{mem_target} {'ok' if ok_mem else 'MISSED'} "
          f"(build + run {fig['peak_rss_run_mb']:.0f} MB, then kpis() {fig['kpis_s']:.2f} s)")
    print(f"  (region PUE {fig['pue']:.3f}, electricity {fig['electricity_twh']:.1f} TWh)")
    if fig.get("moved_gwh") is not None:
        print(f"  (migration: {fig['moved_gwh']:.1f} GWh of IT work moved west, CO2 of the moved energy "
              f"{fig['migration_co2_change_t']:+,.0f} t at the published marginal emissions)")
    return ok_time and ok_mem


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--child":
        print(json.dumps(measure(argv[1])))
        return 0
    cases = argv or list(TARGETS)
    all_ok = True
    for case in cases:
        if case not in TARGETS:
            raise SystemExit(f"unknown case {case!r}; expected one of {sorted(TARGETS)}")
        out = subprocess.run([sys.executable, __file__, "--child", case], cwd=ROOT, capture_output=True, text=True,
                             check=False)
        if out.returncode != 0:
            print(out.stdout + out.stderr)
            print(f"{case}: FAILED (exit {out.returncode})")
            all_ok = False
            continue
        all_ok &= _report(json.loads(out.stdout.strip().splitlines()[-1]))
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
