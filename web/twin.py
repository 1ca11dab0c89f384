"""What the live twin page needs besides the stream: agent capacities and parameters from the run's
scenario snapshot, and the page's translated texts."""
from django.utils.translation import gettext as _

from agents import OUTAGE_KPIS
from web import labels

CAPACITY_FIELDS = {  # type -> field of the scenario entry that sizes its symbol [MW]
    "data_center": "it_capacity_mw",
    "power_plant": "capacity_mw",
    "renewable_plant": "capacity_mw",
}
PARAMS_MAX = 40
# Columns of a multi-region run's migration table (kpis.json ``migration``: per link and in all), in order.
# a site's row of an outage table: its KPIs (agents.outages) but the hours, which the event's caption gives
OUTAGE_KPI_COLUMNS = tuple(key for key in OUTAGE_KPIS if key != "off_grid_h")
MIGRATION_KPI_COLUMNS = ("moved_it_mwh", "arrived_it_mwh", "loss_mwh", "cost_change_cny", "co2_change_t",
                         "marginal_co2_change_t", "hours_used_h", "utilisation_pu")


def agent_capacity_mw(spec: dict) -> float:
    """Nameplate [MW] of a scenario actor: IT capacity, plant capacity, battery power, heat units' sum."""
    kind = spec.get("type")
    if kind in CAPACITY_FIELDS:
        value = spec.get(CAPACITY_FIELDS[kind])
        return float(value) if isinstance(value, (int, float)) else 0.0
    if kind == "storage":
        battery = spec.get("battery") or {}
        value = battery.get("power_capacity_mw") if isinstance(battery, dict) else None
        return float(value) if isinstance(value, (int, float)) else 0.0
    if kind == "heat_utility":
        units = spec.get("units") or []
        return float(sum(u.get("capacity_mw", 0) for u in units if isinstance(u, dict)
                         and isinstance(u.get("capacity_mw"), (int, float))))
    if kind == "grid_operator":
        value = spec.get("other_load_mean_mw")
        return float(value) if isinstance(value, (int, float)) else 0.0
    return 0.0


def agent_parameters(spec: dict) -> dict:
    """Scalar parameters of a scenario actor for the drawer: nested objects as ``a.b``, lists by length."""
    out: dict = {}

    def add(prefix: str, value) -> None:
        if len(out) >= PARAMS_MAX:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                add(f"{prefix}.{k}" if prefix else k, v)
        elif isinstance(value, list):
            out[prefix] = f"[{len(value)}]"
        elif value is None or isinstance(value, (str, int, float, bool)):
            out[prefix] = value

    for key, value in spec.items():
        if key in ("id", "type", "name", "name_zh", "lat", "lon"):
            continue
        add(key, value)
    return out


def scenario_actors(scenario: dict) -> list:
    """The actor entries of a scenario snapshot: its ``actors``, or every region's of a multi-region one."""
    regions = scenario.get("regions")
    if isinstance(regions, list):
        return [a for r in regions if isinstance(r, dict) for a in (r.get("actors") or [])]
    return scenario.get("actors") or []


def agents_info(scenario: dict) -> tuple[dict, dict]:
    """({id: capacity_mw}, {id: parameters}) of every actor of a scenario snapshot (of every region)."""
    capacities, params = {}, {}
    for spec in scenario_actors(scenario):
        if not isinstance(spec, dict) or "id" not in spec:
            continue
        capacities[spec["id"]] = agent_capacity_mw(spec)
        params[spec["id"]] = agent_parameters(spec)
    return capacities, params


def parameter_labels(scenario: dict, lang: str) -> dict[str, str]:
    """Labels of the drawer's parameter keys (``heat_recovery.cop`` → "Heat recovery · COP"), in ``lang``: the
    builder's field labels with units (web/builder_schema.py), each part under its actor type's model."""
    from web.builder_schema import field_label

    out: dict[str, str] = {}
    for spec in scenario_actors(scenario):
        if not isinstance(spec, dict):
            continue
        owner = "".join(part.title() for part in str(spec.get("type", "")).split("_"))
        for key in agent_parameters(spec):
            if key not in out:
                parts = key.split(".")
                out[key] = " · ".join([*(field_label("", p, lang).split(" (")[0] for p in parts[:-1]),
                                       field_label(owner, parts[-1], lang)])
    return out


def twin_strings() -> dict:
    """Texts of the twin's map, panels, timeline and drawer (merged into the run page's strings)."""
    return {
        "panel_all_zero": _("Zero at every step so far"),
        "series": {
            "renewable": _("Renewable"), "thermal": _("Thermal plants"), "import": _("Import"),
            "storage": _("Storage discharge"), "backup": _("Data-center backup"), "unserved": _("Not served"),
            "load": _("Region load"), "price": _("Electricity price"),
            "price_wholesale": _("Wholesale price (paid to generators)"),
            "price_retail": _("Retail price (paid by consumers)"),
            "heat_from_dc": _("Heat from data centers"), "heat_produced": _("Boilers and CHP"),
            "heat_unserved": _("Heat not served"), "heat_recovered": _("Recovered heat"),
            "heat_demand": _("Heat demand"),
        },
        "layers": {
            "data_center": _("Data centers"), "heat_utility": _("Heat utilities"), "power_plant": _("Power plants"),
            "renewable_plant": _("Renewable plants"), "storage": _("Storage"), "grid_operator": _("Grid operator"),
            "aggregator": _("Aggregators"), "power_flows": _("Power flows"), "imports": _("Imports"),
            "heat_flows": _("Heat flows"), "regions": _("Regions"), "links": _("Links between regions"),
        },
        # multi-region runs: the map's region markers and links, the KPI and migration tables
        "map": {"moved": _("Work moved"), "capacity": _("Link capacity"), "latency_class": _("Latency class"),
                "load": _("Load"), "price": _("Wholesale price")},
        "latency_classes": {"batch": _("batch"), "interactive": _("interactive")},
        "regions_kpis": _("Regions"),
        "regions_total": _("All regions"),
        "links_total": _("All links"),
        "migration_kpis": _("Work moved between regions"),
        "migration_strategy": _("Migration strategy: %(strategy)s"),
        # grid outages (kpis.outages, agents/outages.py): one table per event, a row per site
        "outage_kpis": _("Grid outages"),
        "outage_event": _("Outage %(n)s: from %(time)s, %(hours)s h off the grid"),
        "outage_site": _("Data center"),
        "outage_total": _("All sites"),
        "outage_columns": {key: labels.label_of(key) for key in OUTAGE_KPI_COLUMNS},
        "migration_kinds": {"none": _("none"), "carbon": _("carbon-aware"), "price": _("price-following"),
                            "cost_and_carbon": _("cost and carbon")},
        "migration_columns": {"link": _("Link"), **{key: labels.label_of(key) for key in MIGRATION_KPI_COLUMNS}},
        "sankey": {
            "renewable": _("Renewable"), "thermal": _("Thermal plants"), "import": _("Import"),
            "storage": _("Storage"), "grid": _("Grid"), "data_centers": _("Data centers"),
            "other_load": _("Other load"), "heat_pumps": _("Heat pumps"), "it": _("IT load"),
            "overhead": _("Cooling and losses"), "recovered_heat": _("Recovered heat"),
            "waste_heat": _("Heat to air"), "district_heating": _("District heating"),
            "boilers": _("Boilers and CHP"),
        },
        "cards": {
            "load_mw": _("Load"), "price_cny_per_mwh": _("Wholesale price"), "renewable_share_pu": _("Renewable share"),
            "heat_from_dc_mw": _("Heat from data centers"), "energy_to_date_mwh": _("Electricity so far"),
            "co2_to_date_t": _("CO₂ so far"), "renewable_to_date_share": _("Local renewables so far"),
            "heat_from_dc_to_date_share": _("Heat from data centers so far"),
        },
        "quantities": labels.agent_quantity_labels(),  # agent quantities with units (web/labels.py)
        "drawer": {
            "state": _("At the selected step"), "series": _("Its series"), "parameters": _("Parameters"),
            "contracts": _("Contracts"), "no_contracts": _("No contracts."), "seller": _("sells to"),
            "buyer": _("buys from"), "loading": _("Loading the recorded series…"),
            "seen_only": _("While the run is going: the states this page has received."),
        },
        "contract_types": labels.contract_type_labels(),
        "power": _("Power"),
        "heat": _("Heat"),
        "play": _("Play"),
        "pause_playback": _("Pause playback"),
        "step": _("step"),
        "agents_from_step": _("agents as at step %(step)s"),
        "agents_unknown": _("agents: no state received for this step yet"),
        "map_unavailable": _("The map outline could not be loaded."),
        "outline_outside": _("Saved, but the outline does not contain this region's centre, so this run keeps its map."),
    }


# Per-agent power (consumption +, generation −) and heat [MW] of a step from the recorded Parquet columns
# ``<agent id>.<quantity>``: the same values as RegionModel.agent_state (each fleet's power_mw / heat_mw).
STATE_COLUMNS = {  # type -> (power column, sign, heat columns summed)
    "grid_operator": ("other_load_mw", 1.0, ()),
    "data_center": ("grid_power_mw", 1.0, ("heat_delivered_mw",)),
    "heat_utility": ("power_mw", 1.0, ("heat_produced_mw", "heat_from_dc_mw")),
    "power_plant": ("generation_mw", -1.0, ()),
    "renewable_plant": ("generation_mw", -1.0, ()),
    "storage": ("battery_mw", 1.0, ()),
}


def state_columns(agents: list[dict]) -> list[str]:
    """Parquet columns needed for the per-agent state of the agents (describe order)."""
    out = []
    for a in agents:
        power, _sign, heats = STATE_COLUMNS.get(a.get("type"), ("power_mw", 1.0, ()))
        out += [f"{a['id']}.{power}", *(f"{a['id']}.{h}" for h in heats)]
    return out


def agent_state_from_row(agents: list[dict], row: dict) -> dict:
    """{"power_mw": [...], "heat_mw": [...]} in describe order from one row of recorded columns."""
    power, heat = [], []
    for a in agents:
        column, sign, heats = STATE_COLUMNS.get(a.get("type"), ("power_mw", 1.0, ()))
        p = row.get(f"{a['id']}.{column}")
        power.append(sign * p if isinstance(p, (int, float)) and p == p else (0.0 if p is None else None))
        h = [row.get(f"{a['id']}.{q}") for q in heats]
        heat.append(float(sum(v for v in h if isinstance(v, (int, float)) and v == v)))
    return {"power_mw": power, "heat_mw": heat}
