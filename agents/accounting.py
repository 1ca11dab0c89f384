"""Settlement: the prices of a settlement window and the region's accounts, pure functions of recorded arrays.

``Settlement`` is what each fleet's ``settle(start, stop, prices)`` reads: the wholesale and retail prices
[CNY/MWh] per step, what each offer was paid [CNY/MWh] and earned [CNY/h] (accepted × paid), and the price
each consumer type pays (retail, or wholesale for market participants, ``markets.wholesale_buyers``).

``region_accounts`` turns the recorded decisions of a window (accepted offers, fleets' settled arrays) into
the region series: generation, imports, curtailment, CO2, carbon intensity and renewable share (with the
energy pool stored in batteries, agents.markets.attribution), system cost (resource costs only; transfers
such as carbon payments, retail and contract payments excluded — docs/model.md "Markets") and carbon cost.
It depends only on its arguments, so the numbers do not depend on when or in how many windows it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.markets.attribution import import_mix, supply_mix_with_storage


@dataclass
class Settlement:
    """Prices of steps [start, stop) (module docstring); block arguments are offer-book blocks or names."""

    start: int
    stop: int
    book: object  # agents.markets.offer_book.OfferBook
    wholesale: np.ndarray  # [steps] [CNY/MWh]
    retail: np.ndarray  # [steps] [CNY/MWh]
    paid_cny_per_mwh: np.ndarray  # [steps, offers]
    income_cny_per_h: np.ndarray  # [steps, offers] accepted × paid
    price_by_kind: dict  # consumer actor type -> [steps] [CNY/MWh]

    def _slice(self, block) -> slice:
        return self.book.slices[block] if isinstance(block, str) else block.slice

    def accepted(self, block) -> np.ndarray:
        return self.book.accepted_between(block, self.start, self.stop)

    def paid(self, block) -> np.ndarray:
        return self.paid_cny_per_mwh[:, self._slice(block)]

    def income(self, block) -> np.ndarray:
        return self.income_cny_per_h[:, self._slice(block)]

    def price_for(self, kind: str) -> np.ndarray:
        return self.price_by_kind[kind]


def region_accounts(*, dt_h: float, carbon_price_cny_per_t: float, export_price_cny_per_mwh: float,
                    value_of_lost_load_cny_per_mwh: float, accepted_total_mw, renewable_accepted_mw,
                    dc_pv_accepted_mw, chp_accepted_mw, import_accepted_mw, import_income_cny_per_h,
                    import_renewable_share_pu, import_co2_t_per_mwh, export_mw, unserved_mw, storage_discharge_mw,
                    renewable_available_mw, dc_pv_available_mw, backup_mw, backup_co2_t_per_mwh,
                    backup_fuel_cny_per_mwh, plant_co2_t, plant_cost_cny, chp_power_co2_t, heat_co2_t,
                    heat_production_cost_cny, chp_total_mw, storage_power_mw, eta_charge, eta_discharge,
                    storage_soc_before_mwh, pool_renewable_pu: float, pool_co2_t_per_mwh: float,
                    grid_revenue_cny, grid_cost_cny) -> tuple[dict[str, np.ndarray], list[float]]:
    """Region series of a window [steps] and the battery pool after it.

    Arrays are per step of the window ([steps] or [steps, members]); MW, CNY, t. Equations:
    generation = Σ accepted − imports + backup; curtailment = Σ (renewable + DC PV available − accepted);
    electricity CO2 = plants + imports (each line its factor) + backup + CHP fuel CO2 allocated to power;
    carbon intensity and renewable share of the supply with storage (agents.markets.attribution
    ``supply_mix_with_storage``, the pool carried in ``pool_*``); CO2 = electricity CO2 + heat CO2; system
    cost = plants (without carbon) + heat production (without carbon) + imports − exports + backup fuel +
    unserved × value of lost load; carbon cost = carbon price × CO2; retailer margin = the operator's
    revenue − cost. Returns ``(series, [pool_renewable_pu, pool_co2_t_per_mwh])``.
    """
    dt = dt_h
    imported = import_accepted_mw.sum(axis=1)
    import_cost = (import_income_cny_per_h.sum(axis=1)) * dt
    import_renewable, import_co2 = import_mix(import_accepted_mw, import_renewable_share_pu, import_co2_t_per_mwh,
                                              dt)
    backup_total = backup_mw.sum(axis=1)
    generation = accepted_total_mw - imported + backup_total
    curtail = ((renewable_available_mw - renewable_accepted_mw).sum(axis=1)  # renewable energy only
               + (dc_pv_available_mw - dc_pv_accepted_mw).sum(axis=1))
    el_co2 = (plant_co2_t.sum(axis=1) + import_co2
              + (backup_mw * backup_co2_t_per_mwh).sum(axis=1) * dt
              + chp_power_co2_t.sum(axis=1))  # CHP fuel CO2 allocated to the power sold
    p = storage_power_mw
    charged = (np.maximum(p, 0.0) * eta_charge).sum(axis=1) * dt
    discharged = (np.maximum(-p, 0.0) / eta_discharge).sum(axis=1) * dt
    renewable = renewable_accepted_mw.sum(axis=1) + dc_pv_accepted_mw.sum(axis=1)
    share, intensity, *pool = supply_mix_with_storage(
        renewable, generation, imported, el_co2, storage_discharge_mw, charged, discharged,
        storage_soc_before_mwh, dt, pool_renewable_pu, pool_co2_t_per_mwh, import_renewable_mw=import_renewable)
    co2 = el_co2 + heat_co2_t.sum(axis=1)
    cp = carbon_price_cny_per_t
    series = {
        "retailer_margin_cny": grid_revenue_cny - grid_cost_cny,
        "import_mw": imported,
        "import_renewable_mw": import_renewable,
        "generation_mw": generation,
        "renewable_mw": renewable,
        "curtailment_mw": curtail,
        "chp_surplus_mw": chp_total_mw - chp_accepted_mw.sum(axis=1),
        "carbon_intensity_kgco2_per_kwh": intensity,
        "renewable_share_pu": share,
        "co2_t": co2,
        # resource costs only (docs/model.md, Markets): carbon payments, retail and contract payments are transfers
        "system_cost_cny": (plant_cost_cny.sum(axis=1) - cp * plant_co2_t.sum(axis=1)
                            + heat_production_cost_cny.sum(axis=1)
                            - cp * heat_co2_t.sum(axis=1) + import_cost
                            - export_mw * export_price_cny_per_mwh * dt
                            + (backup_mw * backup_fuel_cny_per_mwh).sum(axis=1) * dt
                            + unserved_mw * value_of_lost_load_cny_per_mwh * dt),
    }
    series["carbon_cost_cny"] = cp * series["co2_t"]
    return series, [float(x) for x in pool]
