"""Contract types of a scenario (``Scenario.contracts``): bilateral deals between typed parties.

Each type declares its parties once, ``PARTIES = {"seller_id": (kinds…), "buyer_id": (kinds…)}`` (kinds are
actor types of the scenario, or ``aggregator`` = an id of ``demand_response.aggregators``); one reference
check (:func:`party_errors`) reads them, and each type adds its own rule about overlaps (the same heat, the
same plant output, the same flexibility or the same battery sold twice) in :func:`overlap_errors`.

- ``waste_heat_purchase`` — a heat utility buys the heat a data center recovers: fixed price, price indexed to
  the buyer's alternative heat cost, or a share of the buyer's saving; take-or-pay minimum volume; who pays
  for the heat pump and the pipe (capex, lifetime, opex).
- ``heat_purchase`` — the original fixed-price type, kept valid as an alias of ``waste_heat_purchase`` with
  fixed pricing (``pricing``, ``take_or_pay_min_mwh_per_year`` … are read-only properties on it).
- ``green_ppa`` — a data center buys a renewable plant's output (pay as produced, or a baseload block) at a
  fixed price (physical, sleeved through the grid operator) or as a contract for difference against the
  wholesale price, with or without the green certificates; bundled certificates count toward the buyer's REF
  and its 80 % renewable compliance (annual and hourly matched; agents.markets.renewable_claims).
- ``demand_response`` — an aggregator or a data center commits a reduction to the grid operator: capacity
  payment, per-event payment, penalty for under-delivery, baseline method of the measurement.
- ``storage_service`` — a storage owner leases capacity (per MW-month) or tolls (per MWh) to a user, who
  takes the market value of that share of the battery.

Settlement: agents.ledger; finance: agents.finance; results against the counterfactual: agents.contract_eval;
docs/contracts.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agents.markets.demand_response import BaselineMethod

ContractId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$",
                                  description="Unique id of the contract (letters, digits, _ . -)")]
PartyRef = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]

#: contract types that carry DC heat to a heat utility (settled on the heat the utility dispatches)
HEAT_CONTRACT_TYPES = ("waste_heat_purchase", "heat_purchase")
CONTRACT_TYPES = ("waste_heat_purchase", "heat_purchase", "green_ppa", "demand_response", "storage_service")
DEFAULT_TERM_YEARS = 10
DEFAULT_DISCOUNT_RATE_PU = 0.06


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContractAsset(_Strict):
    """An asset a contract needs (heat pump, pipe): who pays for it, what it costs and how long it lasts."""

    payer: Literal["seller", "buyer"] = Field(description="Party that invests in and runs the asset")
    capex_cny: float = Field(0.0, ge=0, le=1e11, description="Investment at the start of the contract [CNY]")
    lifetime_years: int = Field(20, ge=1, le=60,
                                description="Economic lifetime [years]; reinvested when shorter than the term, "
                                            "annuity at the contract's discount rate in the ledger")
    opex_cny_per_year: float = Field(0.0, ge=0, le=1e10, description="Fixed operating cost [CNY/year]")


class _Contract(_Strict):
    """Fields every contract has. ``PARTIES``: party field → allowed party kinds (one reference check)."""

    PARTIES: ClassVar[dict[str, tuple[str, ...]]] = {}
    id: ContractId
    name: str = Field("", max_length=120, description="Display name of the contract")
    seller_id: PartyRef = Field(description="Seller (the party delivering energy, capacity or heat)")
    buyer_id: PartyRef = Field(description="Buyer (the party paying for it)")
    term_years: int = Field(DEFAULT_TERM_YEARS, ge=1, le=40,
                            description="Contract term [years]; the simulated horizon is scaled to a year and "
                                        "repeated over the term for the cash flows (docs/contracts.md)")
    discount_rate_pu: float = Field(DEFAULT_DISCOUNT_RATE_PU, ge=0, le=0.5,
                                    description="Discount rate for NPV, discounted payback and asset annuities "
                                                "[-/year]")


# ---------------------------------------------------------------------------------------------------- heat


class FixedHeatPrice(_Strict):
    """A fixed price per MWh of delivered heat."""

    kind: Literal["fixed"] = Field("fixed", description="Discriminator: fixed price")
    price_cny_per_mwh: float = Field(ge=0, le=5000, description="Price of delivered heat [CNY/MWh_th]")


class IndexedHeatPrice(_Strict):
    """Price = factor × the buyer's alternative heat cost of the step + adder, not below the floor."""

    kind: Literal["indexed"] = Field("indexed", description="Discriminator: indexed to the alternative heat cost")
    factor_pu: float = Field(0.8, ge=0, le=2,
                             description="Share of the buyer's alternative heat cost (its cheapest own unit at "
                                         "the forecast prices, agents.ledger.alternative_heat_cost_cny_per_mwh) "
                                         "[-]")
    adder_cny_per_mwh: float = Field(0.0, ge=-2000, le=2000, description="Added to the indexed price [CNY/MWh_th]")
    floor_cny_per_mwh: float = Field(0.0, ge=0, le=5000, description="Lowest price paid [CNY/MWh_th]")


class SharedSavingsHeatPrice(_Strict):
    """Price = the seller's share of what each MWh saves the buyer (alternative heat cost − the buyer's own
    heat-pump electricity per MWh, when it owns the heat pump), never negative."""

    kind: Literal["shared_savings"] = Field("shared_savings", description="Discriminator: shared savings")
    seller_share_pu: float = Field(0.5, ge=0, le=1, description="Share of the buyer's saving paid to the seller [-]")


HeatPricing = Annotated[FixedHeatPrice | IndexedHeatPrice | SharedSavingsHeatPrice, Field(discriminator="kind")]


class WasteHeatPurchase(_Contract):
    """A heat utility buys the heat a data center recovers (delivered at network temperature)."""

    PARTIES: ClassVar[dict[str, tuple[str, ...]]] = {"seller_id": ("data_center",), "buyer_id": ("heat_utility",)}
    type: Literal["waste_heat_purchase"] = Field("waste_heat_purchase",
                                                 description="Discriminator: the kind of this entry")
    seller_id: PartyRef = Field(description="Data center selling recovered heat")
    buyer_id: PartyRef = Field(description="Heat utility buying it")
    pricing: HeatPricing = Field(description="How the heat is priced: fixed, indexed or shared savings")
    take_or_pay_min_mwh_per_year: float = Field(
        0.0, ge=0, le=1e8,
        description="Minimum heat the buyer pays for per year [MWh_th/year] (pro rata over the horizon); the "
                    "shortfall is paid at take_or_pay_price_pu × the mean contract price, at the last step")
    take_or_pay_price_pu: float = Field(1.0, ge=0, le=1,
                                        description="Share of the mean contract price paid per MWh of shortfall [-]")
    heat_pump: ContractAsset | None = Field(None, description="Heat pump at the data center: payer, capex, "
                                                              "lifetime, opex; null = not part of the deal")
    pipe: ContractAsset | None = Field(None, description="Connection pipe to the network: payer, capex, lifetime, "
                                                         "opex; null = not part of the deal")


class HeatPurchase(_Contract):
    """Legacy fixed-price heat purchase (schema 1): same as ``waste_heat_purchase`` with ``pricing.kind`` fixed."""

    PARTIES: ClassVar[dict[str, tuple[str, ...]]] = WasteHeatPurchase.PARTIES
    type: Literal["heat_purchase"] = Field("heat_purchase", description="Discriminator: the kind of this entry")
    seller_id: PartyRef = Field(description="Data center selling recovered heat")
    buyer_id: PartyRef = Field(description="Heat utility buying it")
    price_cny_per_mwh: float = Field(ge=0, le=5000, description="Price of delivered heat [CNY/MWh_th]")

    @property
    def pricing(self) -> FixedHeatPrice:
        return FixedHeatPrice(price_cny_per_mwh=self.price_cny_per_mwh)

    take_or_pay_min_mwh_per_year: ClassVar[float] = 0.0
    take_or_pay_price_pu: ClassVar[float] = 1.0
    heat_pump: ClassVar[None] = None
    pipe: ClassVar[None] = None


# ---------------------------------------------------------------------------------------------------- PPA


class GreenPpa(_Contract):
    """A data center buys a renewable plant's output (green power purchase agreement)."""

    PARTIES: ClassVar[dict[str, tuple[str, ...]]] = {"seller_id": ("renewable_plant",), "buyer_id": ("data_center",)}
    type: Literal["green_ppa"] = Field("green_ppa", description="Discriminator: the kind of this entry")
    seller_id: PartyRef = Field(description="Renewable plant selling its output")
    buyer_id: PartyRef = Field(description="Data center buying it")
    shape: Literal["pay_as_produced", "baseload"] = Field(
        "pay_as_produced", description="pay_as_produced: share_pu of the plant's metered output each step; "
                                       "baseload: a constant baseload_mw block (the seller firms any shortfall "
                                       "at the wholesale price)")
    share_pu: float = Field(1.0, gt=0, le=1, description="Share of the plant's output contracted (pay as produced) "
                                                          "[-]")
    baseload_mw: float = Field(0.0, ge=0, le=100000, description="Contracted constant power (baseload shape) [MW]")
    settlement: Literal["fixed", "cfd"] = Field(
        "fixed", description="fixed: the buyer pays the strike price for the contracted energy, sleeved by the "
                             "grid operator (who credits the buyer's retail bill and keeps the plant's wholesale "
                             "revenue); cfd: contract for difference, the buyer pays (strike − wholesale) per MWh")
    strike_price_cny_per_mwh: float = Field(ge=0, le=5000, description="Contract (strike) price [CNY/MWh]")
    certificates: bool = Field(True, description="Green certificates are transferred with the energy (only then "
                                                 "the energy counts toward the buyer's REF)")
    certificate_price_cny_per_mwh: float = Field(0.0, ge=0, le=1000,
                                                 description="Price of the certificates, paid on top [CNY/MWh]")

    @model_validator(mode="after")
    def _shape(self):
        if self.shape == "baseload" and self.baseload_mw <= 0:
            raise ValueError("a baseload PPA needs baseload_mw > 0")
        return self


# ---------------------------------------------------------------------------------------------------- DR


class DemandResponseContract(_Contract):
    """An aggregator or a data center commits a load reduction to the grid operator."""

    PARTIES: ClassVar[dict[str, tuple[str, ...]]] = {"seller_id": ("aggregator", "data_center"),
                                                     "buyer_id": ("grid_operator",)}
    type: Literal["demand_response"] = Field("demand_response", description="Discriminator: the kind of this entry")
    seller_id: PartyRef = Field(description="Aggregator (demand_response.aggregators id) or data center providing "
                                            "the reduction; it must be enrolled, so the grid operator calls it")
    buyer_id: PartyRef = Field(description="Grid operator buying the reduction")
    capacity_mw: float = Field(gt=0, le=100000, description="Committed reduction [MW]")
    capacity_payment_cny_per_mw_year: float = Field(0.0, ge=0, le=1e7,
                                                    description="Availability payment per MW committed and year "
                                                                "[CNY/(MW·year)], paid every step pro rata")
    event_payment_cny_per_mwh: float = Field(0.0, ge=0, le=50000,
                                             description="Payment per MWh of measured response, up to the "
                                                         "commitment [CNY/MWh]")
    penalty_cny_per_mwh: float = Field(0.0, ge=0, le=50000,
                                       description="Penalty per MWh the measured response falls short of the "
                                                   "called reduction (up to the commitment) [CNY/MWh]")
    baseline_method: BaselineMethod = Field("10_of_10", description="Baseline the response is measured against "
                                                                    "(agents.markets.baselines)")


# ---------------------------------------------------------------------------------------------------- storage


class StorageService(_Contract):
    """A storage owner sells the use of part of its battery to a user."""

    PARTIES: ClassVar[dict[str, tuple[str, ...]]] = {"seller_id": ("storage",),
                                                     "buyer_id": ("data_center", "heat_utility", "grid_operator")}
    type: Literal["storage_service"] = Field("storage_service", description="Discriminator: the kind of this entry")
    seller_id: PartyRef = Field(description="Storage actor whose battery is used")
    buyer_id: PartyRef = Field(description="User: data center, heat utility or grid operator")
    kind: Literal["capacity_lease", "tolling"] = Field(
        "capacity_lease", description="capacity_lease: a fee per MW and month; tolling: a fee per MWh discharged. "
                                      "Either way the user takes the market value of its share of the battery")
    capacity_mw: float = Field(gt=0, le=100000, description="Power leased or tolled [MW] (its share of the "
                                                            "battery's power capacity)")
    lease_cny_per_mw_month: float = Field(0.0, ge=0, le=1e6, description="Capacity lease fee [CNY/(MW·month)]")
    tolling_fee_cny_per_mwh: float = Field(0.0, ge=0, le=5000,
                                           description="Tolling fee per MWh discharged from the user's share "
                                                       "[CNY/MWh]")


Contract = Annotated[WasteHeatPurchase | HeatPurchase | GreenPpa | DemandResponseContract | StorageService,
                     Field(discriminator="type")]
CONTRACT_CLASSES = {"waste_heat_purchase": WasteHeatPurchase, "heat_purchase": HeatPurchase, "green_ppa": GreenPpa,
                    "demand_response": DemandResponseContract, "storage_service": StorageService}


TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "contracts"
PLACEHOLDERS = {"seller_id": "SELLER_ID", "buyer_id": "BUYER_ID"}


def contract_template(contract_type: str, *, seller_id: str | None = None, buyer_id: str | None = None,
                      contract_id: str | None = None) -> dict:
    """The draft of ``fixtures/contracts/<type>.json`` with the party placeholders filled (None: kept)."""
    if contract_type not in CONTRACT_CLASSES:
        raise KeyError(f"unknown contract type {contract_type!r}; expected one of {sorted(CONTRACT_CLASSES)}")
    doc = json.loads((TEMPLATES_DIR / f"{contract_type}.json").read_text(encoding="utf-8"))
    for key, value in (("seller_id", seller_id), ("buyer_id", buyer_id), ("id", contract_id)):
        if value is not None:
            doc[key] = value
    return doc


# ---------------------------------------------------------------------------------------------------- rules


def party_kinds(scenario) -> dict[str, str]:
    """id → party kind: every actor by its type, every DR aggregator as ``aggregator``."""
    kinds = {a.id: a.type for a in scenario.actors}
    for a in scenario.demand_response.aggregators:
        kinds.setdefault(a.id, "aggregator")
    return kinds


def party_errors(scenario) -> list[dict[str, str]]:
    """The one reference check: each party field names a party of an allowed kind (``PARTIES`` of the type)."""
    kinds = party_kinds(scenario)
    errors = []
    for j, c in enumerate(scenario.contracts):
        for field, allowed in c.PARTIES.items():
            ref = getattr(c, field)
            kind = kinds.get(ref)
            if kind not in allowed:
                errors.append({"loc": f"contracts.{j}.{field}",
                               "msg": f"{ref!r} is not a {' or '.join(allowed)} of this scenario ("
                                      + (f"it is a {kind})" if kind else "no party has this id)")})
    return errors


def overlap_errors(scenario) -> list[dict[str, str]]:
    """Overlapping contracts: the same heat (a data center in two heat contracts), the same plant output (PPA
    shares above 1, or a baseload PPA beside another), the same flexibility (a provider in two DR contracts, or
    a data center contracted directly and through its aggregator), the same battery (services above its power)."""
    errors: list[dict[str, str]] = []
    heat: dict[str, int] = {}
    ppa: dict[str, list[int]] = {}
    dr: dict[str, int] = {}
    storage: dict[str, float] = {}
    power = {a.id: a.battery.power_capacity_mw for a in scenario.actors if a.type == "storage"}
    members = {a.id: set(a.member_ids) for a in scenario.demand_response.aggregators}
    for j, c in enumerate(scenario.contracts):
        if c.type in HEAT_CONTRACT_TYPES:
            if c.seller_id in heat:
                errors.append({"loc": f"contracts.{j}.seller_id",
                               "msg": f"{c.seller_id!r} already sells its heat under contracts.{heat[c.seller_id]} "
                                      "(overlapping contracts for the same heat)"})
            heat.setdefault(c.seller_id, j)
        elif c.type == "green_ppa":
            ppa.setdefault(c.seller_id, []).append(j)
        elif c.type == "demand_response":
            covered = {c.seller_id} | members.get(c.seller_id, set())
            for other, k in dr.items():
                if other in covered or c.seller_id in members.get(other, set()):
                    errors.append({"loc": f"contracts.{j}.seller_id",
                                   "msg": f"{c.seller_id!r} overlaps the flexibility of contracts.{k} ({other!r})"})
            dr.setdefault(c.seller_id, j)
        elif c.type == "storage_service":
            storage[c.seller_id] = storage.get(c.seller_id, 0.0) + c.capacity_mw
            if c.seller_id in power and storage[c.seller_id] > power[c.seller_id] + 1e-9:
                errors.append({"loc": f"contracts.{j}.capacity_mw",
                               "msg": f"services on {c.seller_id!r} add up to {storage[c.seller_id]:g} MW, above its "
                                      f"power capacity {power[c.seller_id]:g} MW"})
    for plant, idx in ppa.items():
        cs = [scenario.contracts[j] for j in idx]
        if len(cs) > 1 and any(c.shape == "baseload" for c in cs):
            errors.append({"loc": f"contracts.{idx[1]}.seller_id",
                           "msg": f"{plant!r} already sells under contracts.{idx[0]}; a baseload PPA must be the "
                                  "plant's only PPA (overlapping contracts for the same output)"})
        elif sum(c.share_pu for c in cs) > 1 + 1e-9:
            errors.append({"loc": f"contracts.{idx[-1]}.share_pu",
                           "msg": f"PPA shares of {plant!r}'s output add up to {sum(c.share_pu for c in cs):g} > 1 "
                                  "(overlapping contracts for the same output)"})
    return errors


def enrolment_errors(scenario) -> list[dict[str, str]]:
    """A DR provider is called only when enrolled: an aggregator needs a program, a data center an aggregator."""
    errors = []
    aggs = {a.id: a for a in scenario.demand_response.aggregators}
    enrolled = {m for a in aggs.values() if a.program_id for m in a.member_ids}
    for j, c in enumerate(scenario.contracts):
        if c.type != "demand_response":
            continue
        a = aggs.get(c.seller_id)
        if a is not None and a.program_id is None:
            errors.append({"loc": f"contracts.{j}.seller_id",
                           "msg": f"aggregator {c.seller_id!r} is in no program, so it is never called"})
        elif a is None and c.seller_id not in enrolled and any(x.id == c.seller_id for x in scenario.actors):
            errors.append({"loc": f"contracts.{j}.seller_id",
                           "msg": f"data center {c.seller_id!r} is enrolled with no aggregator of a program "
                                  "(demand_response.aggregators), so it is never called"})
    return errors


def contract_errors(scenario) -> list[dict[str, str]]:
    """Every cross-field rule on ``scenario.contracts`` (party references, overlaps, enrolment)."""
    errors = party_errors(scenario)
    return errors + overlap_errors(scenario) + (enrolment_errors(scenario) if not errors else [])
