"""One table of labels: every region quantity, agent quantity, KPI key and ledger line item, in words.

``agents.units`` says what unit a name has; this module says what it is called, in the request's language
(``gettext_lazy``; Chinese in ``locale/zh_Hans/LC_MESSAGES/django.po``). Labels carry no unit: pages put the
unit from the units table beside them (``with_unit``). Every page, table and export takes its names from here:
the run page, big screen, drawer, compare page, report and the KPI CSV / XLSX (``label`` column).

- ``REGION_QUANTITIES``: the region series (``RegionModel.r``, ``describe()["region_quantities"]``).
- ``AGENT_QUANTITIES``: an agent's own series (fleets' ``series``, ``describe()["agent_quantities"]``).
- ``KPIS``: KPI keys of ``kpis.json`` (``region``, ``agents``, ``contracts`` and each contract's ``parties``,
  demand response, storage reserve, multi-region ``regions`` / ``migration``).
- ``LINE_ITEMS``: the ledger's categories (``agents.ledger.CATEGORIES``); a party's total of category ``c`` is
  the KPI ``c_cny``.
- ``ACTOR_TYPES``, ``CONTRACT_TYPES``: agent and contract types; ``VALUES``: words KPIs hold as values.
- ``GROUPS`` / ``BLOCKS``: nested KPIs (``imports.<line>.energy_mwh``, ``parties.<id>.npv_cny``,
  ``migration.links.<id>.moved_it_mwh``): ``label_of`` names a dotted key "<group> <id> · …: <leaf label>".

A name without a label falls back to the name itself, and tests/web/test_labels.py fails for it: a new KPI key or
quantity needs an entry here and its Chinese translation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _now
from django.utils.translation import gettext_lazy as _

from agents import units

REGION_QUANTITIES = {
    "load_mw": _("Region load"),
    "other_load_mw": _("Other load"),
    "dc_it_mw": _("Data-center IT power"),
    "dc_facility_mw": _("Data-center facility power"),
    "dc_heat_pump_mw": _("Data-center heat-pump power"),
    "heat_electric_mw": _("Electricity for heat"),
    "generation_mw": _("Thermal generation"),
    "renewable_mw": _("Renewable generation"),
    "renewable_available_mw": _("Available renewable power"),
    "curtailment_mw": _("Curtailed renewable power"),
    "chp_surplus_mw": _("CHP power the grid could not take"),
    "import_mw": _("Import"),
    "export_mw": _("Export"),
    "storage_charge_mw": _("Storage charging"),
    "storage_discharge_mw": _("Storage discharge"),
    "unserved_mw": _("Electricity not served"),
    "backup_mw": _("Data-center backup generation"),
    "reserve_shortfall_mw": _("Reserve shortfall"),
    "storage_reserve_mw": _("Reserve offered by storage"),
    "reserve_price_cny_per_mwh": _("Reserve price"),
    "wholesale_price_cny_per_mwh": _("Wholesale price (paid to generators)"),
    "retail_price_cny_per_mwh": _("Retail price (paid by consumers)"),
    "price_cny_per_mwh": _("Electricity price"),
    "carbon_intensity_kgco2_per_kwh": _("Carbon intensity"),
    "renewable_share_pu": _("Renewable share"),
    "import_renewable_mw": _("Renewable power in imports"),
    "co2_t": _("CO₂ emissions"),
    "system_cost_cny": _("System cost (resources only)"),
    "carbon_cost_cny": _("Carbon cost (CO₂ × carbon price)"),
    "retailer_margin_cny": _("Supplier margin, retail − wholesale (transfer)"),
    "heat_demand_mw": _("Heat demand"),
    "heat_loss_mw": _("Heat-network losses"),
    "heat_produced_mw": _("Boilers and CHP"),
    "heat_recovered_mw": _("Recovered heat"),
    "heat_from_dc_mw": _("Heat from data centers"),
    "heat_unserved_mw": _("Heat not served"),
    "temp_c": _("Outdoor temperature"),
    # frequency study (agents.frequency_study.SERIES)
    "largest_infeed_mw": _("Largest infeed"),
    "hvdc_infeed_mw": _("HVDC infeed"),
    "dc_trip_mw": _("Data-center load that can trip"),
    "rocof_largest_infeed_hz_per_s": _("RoCoF, loss of largest infeed"),
    "nadir_largest_infeed_hz": _("Frequency nadir, loss of largest infeed"),
    "settling_largest_infeed_hz": _("Settling frequency, loss of largest infeed"),
    "rocof_hvdc_loss_hz_per_s": _("RoCoF, HVDC infeed loss"),
    "nadir_hvdc_loss_hz": _("Frequency nadir, HVDC infeed loss"),
    "rocof_dc_trip_hz_per_s": _("RoCoF, data-center trip"),
    "zenith_dc_trip_hz": _("Frequency peak, data-center trip"),
    "settling_dc_trip_hz": _("Settling frequency, data-center trip"),
    # multi-region runs: work moved between regions
    "it_migrated_mw": _("IT load migrated"),
    "moved_mw": _("Work moved out"),
    "arrived_mw": _("Work arrived"),
}

AGENT_QUANTITIES = {
    "power_mw": _("Power"),
    "heat_mw": _("Heat"),
    "available_mw": _("Available power"),
    "backup_mw": _("Backup generation"),
    "battery_mw": _("Battery power (charge +, discharge −)"),
    "chp_generation_mw": _("CHP generation"),
    "chp_power_co2_t": _("CO₂ of CHP power"),
    "chp_surplus_mw": _("CHP power the grid could not take"),
    "co2_t": _("CO₂ emissions"),
    "cooling_power_mw": _("Cooling power"),
    "cooling_saved_mw": _("Cooling power saved by heat recovery"),
    "cost_cny": _("Cost"),
    "curtailed_mw": _("Curtailed power"),
    "dhw_demand_mw": _("Domestic hot-water demand"),
    "dr_delivered_mw": _("Demand response delivered"),
    "facility_power_mw": _("Facility power"),
    "fuel_mw": _("Fuel input"),
    "generation_mw": _("Generation"),
    "grid_power_mw": _("Power from the grid"),
    "heat_deliverable_mw": _("Heat that could be delivered"),
    "heat_delivered_mw": _("Heat delivered"),
    "heat_demand_mw": _("Heat demand"),
    "heat_from_dc_mw": _("Heat from data centers"),
    "heat_loss_mw": _("Heat-network losses"),
    "heat_marginal_cost_cny_per_mwh": _("Marginal cost of heat"),
    "heat_produced_mw": _("Heat produced"),
    "heat_pump_power_mw": _("Heat-pump power"),
    "heat_recovered_mw": _("Recovered heat"),
    "heat_reused_mw": _("Heat reused on site"),
    "heat_storage_charge_mw": _("Heat storage charging"),
    "heat_storage_discharge_mw": _("Heat storage discharge"),
    "heat_storage_loss_mw": _("Heat storage losses"),
    "heat_storage_soc_mwh": _("Heat stored"),
    "heat_unserved_mw": _("Heat not served"),
    "it_power_mw": _("IT power"),
    "it_shift_mw": _("IT load shifted"),
    "online_pu": _("Share of units online"),
    "other_load_mw": _("Other load"),
    "production_cost_cny": _("Production cost"),
    "pue": _("Power usage effectiveness (PUE)"),
    "pv_available_mw": _("Available on-site PV"),
    "pv_mw": _("On-site PV"),
    "reserve_mw": _("Reserve offered"),
    "reserve_price_cny_per_mwh": _("Reserve price"),
    "reserve_revenue_cny": _("Reserve revenue"),
    "revenue_cny": _("Revenue"),
    "soc_mwh": _("Energy stored"),
    "start_up_cost_cny": _("Start-up cost"),
    "ups_bridge_mw": _("UPS bridging power"),
    "outage_unserved_it_mw": _("IT power not served (grid outage)"),
    "outage_unserved_mw": _("Site load not served (grid outage)"),
    "chiller_shift_mw": _("Chiller power shifted by the cold store"),
    "cold_storage_soc_mwh_th": _("Cold stored"),
    "cold_storage_charge_mw_th": _("Cold store charging"),
    "cold_storage_discharge_mw_th": _("Cold store discharge"),
    "it_migrated_mw": _("IT load migrated"),
    "utilisation_pu": _("Utilisation"),
    "wue_l_per_kwh": _("Water usage effectiveness (WUE)"),
}

# Ledger categories (agents.ledger.CATEGORIES) and each party's total of one: "<category>_cny".
LINE_ITEMS = {
    "energy": _("Energy"),
    "capacity": _("Capacity"),
    "event": _("Event payments"),
    "penalty": _("Penalties"),
    "certificates": _("Green certificates"),
    "tolling": _("Tolling"),
    "capex": _("Investment (annuity)"),
    "opex": _("Operating cost"),
}

KPIS = {
    # region (agents.kpis)
    "steps": _("Simulated steps"),
    "pue": _("Power usage effectiveness (PUE)"),
    "dc_it_energy_mwh": _("Data-center IT energy"),
    "dc_facility_energy_mwh": _("Data-center facility energy"),
    "dc_energy_mwh": _("Data-center energy incl. own heat pumps (PUE boundary)"),
    "dc_water_m3": _("Data-center water use"),
    "dc_heat_recovered_mwh": _("Recovered data-center heat"),
    "dc_heat_delivered_mwh": _("Data-center heat delivered to networks"),
    "dc_onsite_pv_mwh": _("On-site PV at data centers"),
    "dc_share_of_electricity_demand": _("Data-center share of electricity demand"),
    "dc_backup_energy_mwh": _("Data-center backup generation"),
    "dc_backup_fuel_cost_cny": _("Data-center backup fuel cost"),
    "dc_backup_co2_t": _("CO₂ of data-center backup generation"),
    "dc_ups_bridge_mwh": _("Data-center UPS bridging energy"),
    "dc_unserved_it_mwh": _("Data-center IT energy not served in grid outages"),
    "heat_demand_mwh": _("District-heat demand"),
    "heat_from_dc_share": _("Share of heat from data centers"),
    "heat_supplied_mwh": _("District heat supplied"),
    "heat_unserved_mwh": _("District heat not served"),
    "electricity_demand_mwh": _("Electricity demand"),
    "peak_load_mw": _("Peak load"),
    "renewable_share": _("Renewable share"),
    "renewable_mwh": _("Renewable generation"),
    "curtailment_mwh": _("Curtailed renewable energy"),
    "co2_t": _("CO₂ emissions"),
    "mean_wholesale_price_cny_per_mwh": _("Mean wholesale electricity price"),
    "mean_retail_price_cny_per_mwh": _("Mean retail electricity price"),
    "load_weighted_wholesale_price_cny_per_mwh": _("Load-weighted wholesale electricity price"),
    "load_weighted_retail_price_cny_per_mwh": _("Load-weighted retail electricity price"),
    "carbon_cost_cny": _("Carbon cost (CO₂ × carbon price)"),
    "retailer_margin_cny": _("Supplier margin, retail − wholesale (transfer)"),
    "consumer_electricity_payments_cny": _("Consumers' electricity payments (transfer)"),
    "carbon_payments_cny": _("Carbon payments by emitters (transfer)"),
    "heat_contract_payments_cny": _("Heat contract payments (transfer)"),
    "storage_reserve_payments_cny": _("Reserve payments to storage"),
    "system_cost_cny": _("System cost (resources only)"),
    "import_mwh": _("Imported electricity"),
    "import_renewable_mwh": _("Renewable energy in imports"),
    "import_renewable_share": _("Renewable share of imports"),
    "export_mwh": _("Exported electricity"),
    "unserved_mwh": _("Electricity not served"),
    "reserve_shortfall_mwh": _("Reserve shortfall"),
    "chp_surplus_mwh": _("CHP power the grid could not take (surplus, not curtailment)"),
    "third_party_heat_pump_electricity_mwh": _("Electricity of third-party heat pumps at data centers"),
    "worst_rocof_largest_infeed_hz_per_s": _("Worst RoCoF, loss of largest infeed"),
    "worst_nadir_largest_infeed_hz": _("Worst frequency nadir, loss of largest infeed"),
    "worst_settling_largest_infeed_hz": _("Worst settling frequency, loss of largest infeed"),
    "worst_rocof_hvdc_loss_hz_per_s": _("Worst RoCoF, HVDC infeed loss"),
    "worst_nadir_hvdc_loss_hz": _("Worst frequency nadir, HVDC infeed loss"),
    "worst_rocof_dc_trip_hz_per_s": _("Worst RoCoF, data-center trip"),
    "worst_zenith_dc_trip_hz": _("Worst frequency peak, data-center trip"),
    "worst_settling_dc_trip_hz": _("Worst settling frequency, data-center trip"),
    "voltage_dip_events": _("Voltage-dip events"),
    "voltage_dip_dc_load_transferred_mw": _("Data-center load transferred to backup in a voltage-dip event"),
    "voltage_dip_zenith_hz": _("Frequency peak of a voltage-dip event"),
    "voltage_dip_rocof_hz_per_s": _("RoCoF of a voltage-dip event"),
    # per import line (region "imports": {line: {...}})
    "energy_mwh": _("Energy"),
    "renewable_share_pu": _("Renewable share"),
    "utilisation_pu": _("Utilisation"),
    # agents: data centers (ISO/IEC 30134 and own accounts)
    "ref": _("Renewable energy factor (REF)"),
    "erf": _("Energy reuse factor (ERF)"),
    "ere": _("Energy reuse effectiveness (ERE)"),
    "cue": _("Carbon usage effectiveness (CUE)"),
    "wue": _("Water usage effectiveness (WUE)"),
    "it_energy_mwh": _("IT energy"),
    "facility_energy_mwh": _("Facility energy"),
    "grid_energy_mwh": _("Electricity from the grid"),
    "grid_renewable_share": _("Renewable share of grid electricity"),
    "onsite_pv_mwh": _("On-site PV"),
    "owned_renewable_generated_mwh": _("Own renewable plants: generated"),
    "owned_renewable_used_mwh": _("Own renewable plants: used"),
    "contracted_renewable_mwh": _("Renewable energy bought by contract"),
    "renewable_share_hourly_matched": _("Renewable share, hourly matched"),
    "renewable_share_annual_matched": _("Renewable share, annually matched"),
    "meets_80pct_renewable_hourly": _("Meets 80 % renewable, hourly matched"),
    "meets_80pct_renewable_annual": _("Meets 80 % renewable, annually matched"),
    "water_m3": _("Water use"),
    "heat_recovered_mwh": _("Heat recovered"),
    "heat_delivered_mwh": _("Heat delivered"),
    "heat_reused_mwh": _("Heat reused on site"),
    "heat_sales_cny": _("Heat sales"),
    "cooling_saved_mwh": _("Cooling energy saved by heat recovery"),
    "heat_pump_owner": _("Heat-pump owner"),
    "heat_pump_electricity_mwh": _("Heat-pump electricity"),
    "heat_pump_electricity_cost_cny": _("Heat-pump electricity cost"),
    "dc_heat_pump_electricity_mwh": _("Electricity of own heat pumps"),
    "dc_heat_pump_cost_cny": _("Cost of own heat pumps' electricity"),
    "dc_heat_pump_co2_t": _("CO₂ of own heat pumps' electricity"),
    "heat_recovery_payback_years": _("Payback of heat recovery"),
    "heat_recovery_payback_basis": _("Basis of the heat-recovery payback"),
    "compute_capacity_pflops": _("Compute capacity"),
    "compute_eflop": _("Compute work done"),
    "compute_gflops_per_w": _("Compute per watt"),
    "compute_precision": _("Compute precision"),
    "mean_delivered_pflops": _("Mean compute delivered"),
    "facility_mwh_per_eflop": _("Facility energy per EFLOP"),
    "electricity_price_basis": _("Electricity price paid"),
    "cost_cny": _("Cost"),
    "revenue_cny": _("Revenue"),
    "backup_energy_mwh": _("Backup generation"),
    "backup_fuel_cost_cny": _("Backup fuel cost"),
    "backup_co2_t": _("CO₂ of backup generation"),
    "backup_start_count": _("Backup generator starts"),
    "unserved_it_mwh": _("IT energy not served (grid outage)"),
    "off_grid_h": _("Hours off the grid"),
    "ups_bridge_mwh": _("UPS bridging energy"),
    "cold_storage_shifted_mwh_th": _("Cooling covered by the cold store"),
    "cold_storage_saving_cny": _("Saving from the cold store"),
    # agents: grid operator, plants, storage, heat utilities
    "other_load_mwh": _("Other load"),
    "generation_mwh": _("Generation"),
    "fuel_mwh": _("Fuel input"),
    "chp_power_mwh": _("CHP power"),
    "chp_power_co2_t": _("CO₂ of CHP power"),
    "charged_mwh": _("Energy charged"),
    "discharged_mwh": _("Energy discharged"),
    "reserve_revenue_cny": _("Reserve revenue"),
    "mean_reserve_mw": _("Mean reserve offered"),
    "heat_produced_mwh": _("Heat produced"),
    "heat_from_dc_mwh": _("Heat from data centers"),
    "heat_loss_mwh": _("Heat-network losses"),
    "heat_cost_cny_per_mwh": _("Heat cost"),
    "dhw_demand_mwh": _("Domestic hot-water demand"),
    "heat_storage_charged_mwh": _("Heat storage charged"),
    "heat_storage_discharged_mwh": _("Heat storage discharged"),
    # contracts (agents.ledger, agents.contract_eval, agents.finance)
    "seller_id": _("Seller"),
    "buyer_id": _("Buyer"),
    "payment_cny": _("Payment"),
    "price_cny_per_mwh": _("Price"),
    "heat_mwh": _("Heat bought"),
    "mean_heat_mw": _("Mean heat"),
    "volume_mwh": _("Contracted volume"),
    "committed_mwh": _("Committed reduction"),
    "response_mwh": _("Measured response"),
    "dr_events": _("Demand-response events"),
    "evaluation": _("Evaluation"),
    "term_years": _("Term"),
    "discount_rate_pu": _("Discount rate"),
    "peak_cost_change_cny": _("Change of the peak-hour purchase cost"),
    "role": _("Role"),
    "net_cny": _("Net cash flow"),
    "horizon_change_cny": _("Change over the horizon"),
    "annual_change_cny": _("Change per year"),
    "investment_cny": _("Investment"),
    "opex_cny_per_year": _("Operating cost per year"),
    "npv_cny": _("Net present value (NPV)"),
    "irr_pu": _("Internal rate of return (IRR)"),
    "irr_reason": _("Why there is no IRR"),
    "simple_payback_years": _("Simple payback"),
    "discounted_payback_years": _("Discounted payback"),
    "co2_location_change_t": _("CO₂ change (location-based)"),
    "co2_market_change_t": _("CO₂ change (market-based)"),
    "energy_cny": _("Energy"),
    "capacity_cny": _("Capacity"),
    "event_cny": _("Event payments"),
    "penalty_cny": _("Penalties"),
    "certificates_cny": _("Green certificates"),
    "tolling_cny": _("Tolling"),
    "capex_cny": _("Investment (annuity)"),
    "opex_cny": _("Operating cost"),
    # demand response (agents.dr_desk, agents.markets.demand_response)
    "events_count": _("Events"),
    "called_mwh": _("Reduction called"),
    "baseline_mwh": _("Baseline energy"),
    "metered_mwh": _("Metered energy"),
    "shortfall_mwh": _("Shortfall"),
    "peak_reduction_mw": _("Peak reduction"),
    "mean_response_mw": _("Mean response"),
    "commitment_mw": _("Commitment"),
    "total_commitment_mw": _("Total commitment"),
    "amount_cny": _("Amount"),
    "fee_cny": _("Fee"),
    "called_mw": _("Reduction called (power)"),
    "committed_mw": _("Committed reduction (power)"),
    "duration_h": _("Duration"),
    "start_step": _("First step"),
    "end_step": _("Last step"),
    "notified_step": _("Step notified"),
    "is_measured": _("Measured"),
    "aggregator_id": _("Aggregator"),
    "program_id": _("Program"),
    # multi-region runs: migration of work between regions
    "moved_it_mwh": _("IT energy moved"),
    "arrived_it_mwh": _("IT energy arrived"),
    "loss_mwh": _("Transfer losses"),
    "cost_change_cny": _("Cost change"),
    "co2_change_t": _("CO₂ change"),
    "marginal_co2_change_t": _("CO₂ change (marginal)"),
    "hours_used_h": _("Hours used"),
    "source_cost_cny": _("Cost in the source region"),
    "destination_cost_cny": _("Cost in the destination region"),
    "source_co2_t": _("CO₂ in the source region"),
    "destination_co2_t": _("CO₂ in the destination region"),
    "source_marginal_co2_t": _("Marginal CO₂ in the source region"),
    "destination_marginal_co2_t": _("Marginal CO₂ in the destination region"),
    "reserve_margin_pu": _("Reserve margin"),
    "moved_it_mwh_by_class": _("IT energy moved by latency class"),
    "from_region": _("From region"),
    "to_region": _("To region"),
    "strategy": _("Strategy"),
    "region": _("Region"),
}

# Nested KPI blocks. "<group>.<id>" names one of a kind ("parties.dc_1" → "Party dc_1"); a block names itself.
GROUPS = {
    "imports": _("Import line"),
    "parties": _("Party"),
    "regions": _("Region"),
    "links": _("Link"),
    "programs": _("Program"),
    "events": _("Event"),
    "aggregators": _("Aggregator"),
    "participants": _("Participant"),
    "sites": _("Site"),
}
BLOCKS = {
    "demand_response": _("Demand response"),
    "outages": _("Grid outages"),
    "migration": _("Migration"),
}

CONTRACT_TYPES = {
    "heat_purchase": _("heat purchase"),
    "waste_heat_purchase": _("waste-heat purchase"),
    "green_ppa": _("green PPA"),
    "demand_response": _("demand-response contract"),
    "storage_service": _("storage service"),
    "power_purchase": _("power purchase"),
}

ACTOR_TYPES = {
    "data_center": _("data center"), "heat_utility": _("heat utility"), "grid_operator": _("grid operator"),
    "renewable_plant": _("renewable plant"), "power_plant": _("power plant"), "storage": _("storage"),
    "aggregator": _("aggregator"),
}

# Words that KPIs hold as values (a party's role, a heat pump's owner, the price a data center pays …).
VALUES = {
    "seller": _("seller"),
    "buyer": _("buyer"),
    "sleeving": _("sleeving (grid operator)"),
    "against the counterfactual": _("against the counterfactual"),
    **ACTOR_TYPES,
    "retail_price_cny_per_mwh": REGION_QUANTITIES["retail_price_cny_per_mwh"],
    "wholesale_price_cny_per_mwh": REGION_QUANTITIES["wholesale_price_cny_per_mwh"],
    # latency classes and migration strategies of multi-region runs
    "batch": _("batch"),
    "interactive": _("interactive"),
    "carbon": _("carbon-aware"),
    "price": _("price-following"),
    "cost_and_carbon": _("cost and carbon"),
    # why a party has no IRR (agents.finance.irr_pu)
    "no investment: the cash flow never turns negative": _("no investment: the cash flow never turns negative"),
    "no return: the cash flow never turns positive": _("no return: the cash flow never turns positive"),
    "numpy-financial found no IRR": _("no IRR found"),
}

IRR_REASONS = ("no investment: the cash flow never turns negative", "no return: the cash flow never turns positive",
               "numpy-financial found no IRR")
_SIGN_CHANGES = re.compile(r"the cash flow changes sign (\d+) times, so the IRR is not unique")


def value_label(value: str) -> str:
    """A KPI's word value in the active language (``seller`` → 卖方); other text as it is."""
    if value in VALUES:
        return str(VALUES[value])
    sign_changes = _SIGN_CHANGES.fullmatch(value) if isinstance(value, str) else None
    if sign_changes:
        return _now("the cash flow changes sign %(n)s times, so the IRR is not unique") % {"n": sign_changes[1]}
    return value


def _where(parts: list[str]) -> list[str] | None:
    """The labelled segments of a dotted key's prefix; None when a segment is neither a group, block nor label."""
    out, i = [], 0
    while i < len(parts):
        part = parts[i]
        if part in GROUPS and i + 1 < len(parts):
            out.append(_now("%(group)s %(id)s") % {"group": GROUPS[part], "id": parts[i + 1]})
            i += 2
            continue
        if part in BLOCKS:
            out.append(str(BLOCKS[part]))
        elif _plain(part) is not None:
            out.append(_plain(part))
        else:
            return None
        i += 1
    return out


def _plain(name: str) -> str | None:
    for table in (KPIS, REGION_QUANTITIES, AGENT_QUANTITIES, VALUES):
        if name in table:
            return str(table[name])
    return None


def label_of(name: str) -> str:
    """The label of a KPI key or quantity in the active language, else the name itself.

    Dotted keys of nested KPIs name where they sit: ``parties.dc_1.npv_cny`` → "Party dc_1: Net present value
    (NPV)", ``migration.links.a-b.moved_it_mwh_by_class.batch`` → "Migration · Link a-b · IT energy moved by
    latency class: batch"."""
    if "." not in name:
        return _plain(name) or name
    *prefix, leaf = name.split(".")
    where, label = _where(prefix), _plain(leaf)
    if label is None:
        return name
    if where is None:
        return f"{label} ({'.'.join(prefix)})"
    return _now("%(where)s: %(label)s") % {"where": " · ".join(where), "label": label}


def quantity_label(name: str) -> str:
    """A recorded series' label: a region quantity, or ``<region>.<quantity>`` of a multi-region run ("Region
    hohhot: Region load")."""
    if "." in name and name not in REGION_QUANTITIES:
        region, _dot, leaf = name.partition(".")
        if leaf in REGION_QUANTITIES:
            return _now("%(where)s: %(label)s") % {
                "where": _now("%(group)s %(id)s") % {"group": GROUPS["regions"], "id": region},
                "label": REGION_QUANTITIES[leaf]}
    return str(REGION_QUANTITIES[name]) if name in REGION_QUANTITIES else label_of(name)


def has_label(name: str) -> bool:
    """Whether ``label_of`` knows ``name`` and every segment of a dotted key."""
    *prefix, leaf = name.split(".")
    return _plain(leaf) is not None and _where(prefix) is not None


def with_unit(name: str, label: str | None = None) -> str:
    """``Heat delivered (MW)``: the label with the unit of ``name`` from agents.units (none for shares, ratios)."""
    label = label_of(name) if label is None else label
    try:
        unit = units.unit_of(name.rsplit(".", 1)[-1]).unit
    except KeyError:
        unit = ""
    return f"{label} ({unit})" if unit else label


def _shown(table: dict) -> dict[str, str]:
    return {key: str(value) for key, value in table.items()}


def kpi_labels() -> dict[str, str]:
    """Every KPI key → its label (active language), for the pages' scripts."""
    return _shown(KPIS)


def region_quantity_labels() -> dict[str, str]:
    """Every region quantity → its label (active language)."""
    return _shown(REGION_QUANTITIES)


def agent_quantity_labels(names: Iterable[str] | None = None) -> dict[str, str]:
    """Agent quantities → label with unit (active language): the drawer's state list and chart legend."""
    return {name: with_unit(name, str(AGENT_QUANTITIES[name])) for name in (names or AGENT_QUANTITIES)
            if name in AGENT_QUANTITIES}


def line_item_labels() -> dict[str, str]:
    return _shown(LINE_ITEMS)


def contract_type_labels() -> dict[str, str]:
    return _shown(CONTRACT_TYPES)


def actor_type_labels() -> dict[str, str]:
    return _shown(ACTOR_TYPES)
