"""Command line: run a scenario, write kpis.json and series.parquet, print a KPI table (or JSON).

    python -m agents SCENARIO --out DIR [--seed N] [--steps N] [--json] [--decisions FILE]

``--decisions FILE``: a JSON list of decisions (agents.decisions, each with its ``step``) replayed at their steps.

Exit codes: 0 success, 2 invalid scenario or arguments (every field error printed with its path).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

EXIT_OK = 0
EXIT_INVALID = 2


def build_parser(prog: str = "python -m agents") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Run a compute–power–heat twin scenario.")
    p.add_argument("scenario", help="scenario JSON file")
    p.add_argument("--out", required=True, help="output directory for kpis.json and series.parquet")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's seed)")
    p.add_argument("--steps", type=int, default=None, help="run only the first N steps")
    p.add_argument("--json", action="store_true", help="print the KPIs as JSON only")
    p.add_argument("--decisions", default=None, help="JSON list of decisions to replay (agents.decisions)")
    return p


def kpi_table(kpis: dict) -> str:
    """Human-readable table of the region KPIs and the per-data-center ISO/IEC 30134 KPIs."""
    lines = ["Region"]
    for key, value in kpis["region"].items():
        lines.append(f"  {key:<34} {_fmt(value)}")
    dcs = {k: v for k, v in kpis["agents"].items() if v.get("type") == "data_center"}
    if dcs:
        cols = ("pue", "ref", "erf", "ere", "cue", "wue", "cost_cny", "revenue_cny")
        lines.append("")
        lines.append(f"  {'data center':<24}" + "".join(f"{c:>13}" for c in cols))
        for agent_id, row in list(dcs.items())[:40]:
            lines.append(f"  {agent_id[:24]:<24}" + "".join(f"{_fmt(row.get(c)):>13}" for c in cols))
        if len(dcs) > 40:
            lines.append(f"  … {len(dcs) - 40} more data centers in kpis.json")
    for cid, c in kpis.get("contracts", {}).items():
        lines.append(f"  contract {cid} ({c['type']}): {c.get('volume_mwh', 0.0):.1f} MWh")
        for pid, p in c.get("parties", {}).items():
            npv = p.get("npv_cny")
            lines.append(f"    {pid[:30]:<30} ledger {_fmt(p.get('net_cny'))} CNY"
                         + (f", NPV {_fmt(npv)} CNY vs without" if npv is not None else ""))
    lines += _regions_table(kpis)
    return "\n".join(lines)


def _regions_table(kpis: dict) -> list[str]:
    """A multi-region run: each region's headline KPIs and the work each link moved (agents.multi_region_kpis)."""
    if "regions" not in kpis:
        return []
    cols = ("dc_it_energy_mwh", "electricity_demand_mwh", "co2_t", "system_cost_cny", "pue")
    lines = ["", f"  {'region':<24}" + "".join(f"{c:>24}" for c in cols)]
    for rid, row in kpis["regions"].items():
        lines.append(f"  {rid[:24]:<24}" + "".join(f"{_fmt(row.get(c)):>24}" for c in cols))
    mig = kpis["migration"]
    lines.append(f"\n  migration ({mig['strategy']}): {_fmt(mig['moved_it_mwh'])} MWh of IT work moved, "
                 f"CO2 change {_fmt(mig['co2_change_t'])} t (average) / {_fmt(mig['marginal_co2_change_t'])} t "
                 f"(marginal), cost change {_fmt(mig['cost_change_cny'])} CNY")
    for lid, row in mig["links"].items():
        lines.append(f"  link {lid} ({row['from_region']} → {row['to_region']}): {_fmt(row['moved_it_mwh'])} MWh "
                     f"moved, {_fmt(row['arrived_it_mwh'])} MWh arrived")
    return lines


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _progress_bar(total: int):
    if not sys.stderr.isatty():
        return None, None
    import shutil

    from tqdm import tqdm

    bar = tqdm(total=total, unit="step", file=sys.stderr, ncols=min(shutil.get_terminal_size((80, 20)).columns, 100))

    def update(step_index: int, _total: int) -> None:
        bar.update(step_index - bar.n)

    return update, bar


def main(argv: Sequence[str] | None = None, prog: str = "python -m agents") -> int:
    """Run the CLI; returns the exit code (never raises on a bad scenario)."""
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage error
        return EXIT_OK if exc.code == 0 else EXIT_INVALID
    from agents import ScenarioValidationError, build_model, kpis_with_contracts, load_scenario, write_results

    try:
        scenario = load_scenario(args.scenario)
    except ScenarioValidationError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INVALID
    if args.steps is not None and args.steps < 1:
        print("--steps must be >= 1", file=sys.stderr)
        return EXIT_INVALID
    if args.seed is not None and not 0 <= args.seed <= 2**32 - 1:
        print("--seed must be in 0 … 2**32-1", file=sys.stderr)
        return EXIT_INVALID
    model = build_model(scenario, seed=args.seed)  # a RegionModel or a MultiRegionModel
    if args.decisions is not None:
        try:
            with open(args.decisions, encoding="utf-8") as fh:
                decisions = json.load(fh)
            if not isinstance(decisions, list) or not all(isinstance(d, dict) and "step" in d for d in decisions):
                raise ScenarioValidationError([{"loc": "decisions", "msg": "a JSON list of decisions, each with "
                                                                          "its step"}])
            model.apply_decisions(decisions)
        except (OSError, ValueError) as exc:  # ScenarioValidationError is a ValueError (JSON errors too)
            print(str(exc), file=sys.stderr)
            return EXIT_INVALID
    update, bar = (None, None) if args.json else _progress_bar(model.total_steps if args.steps is None
                                                                 else min(args.steps, model.total_steps))
    try:
        model.run(steps=args.steps, progress=update)
    finally:
        if bar is not None:
            bar.close()
    paths = write_results(model, args.out, kpis=kpis_with_contracts(model))  # + contracts vs counterfactual
    kpis = json.loads(open(paths["kpis"], encoding="utf-8").read())
    if args.json:
        print(json.dumps(kpis, indent=2))
    else:
        print(kpi_table(kpis))
        print(f"\nwrote {paths['kpis']} and {paths['series']}")
    return EXIT_OK
