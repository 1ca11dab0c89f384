"""The grid operator: serves the non-DC demand, collects offers, clears the market, publishes price and CO2."""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.markets.clearing import MeritOrder
from agents.markets.demand import other_load_mw
from agents.markets.heat import must_take_split, price_with_must_take
from agents.markets.offer_book import IMPORT
from agents.markets.reserve import clear_reserve

UNSERVED_TOL_MW = 1e-9  # below this a clearing shortfall is rounding, not unserved load
SUPPLY_BLOCKS = ("must", "flex", "res", "chp")  # offers the operator pays as a buyer (DC PV is behind the meter)


class GridOperator(Actor):
    kind = "grid_operator"


class GridOperatorFleet(Fleet):
    kind = "grid_operator"
    agent_class = GridOperator
    decision_series = ("wholesale_price_cny_per_mwh", "cleared_mw", "export_mw")

    def build(self, ctx: BuildContext) -> None:
        s = self.specs[0]
        load = other_load_mw(s.other_load_mean_mw, s.other_load_daily_swing_pu, s.other_load_cooling_mw_per_c,
                             s.other_load_heating_mw_per_c, ctx.hour_of_day, ctx.weather.temp_c)
        self.other_load = self.record(ctx.recorder, "other_load_mw", static=np.asarray(load, dtype=float)[:, None])
        self.revenue_cny = self.record(ctx.recorder, "revenue_cny")
        self.cost_cny = self.record(ctx.recorder, "cost_cny")
        self.dt_h = ctx.dt_h

    def attach(self, imports, fixed_load_mw: np.ndarray) -> None:
        """The region's import lines (agents.markets.imports.ImportBook, offered by the operator) and its fixed
        load [steps] (non-DC load + DC facility and heat-pump power + heat-sector electricity, precomputed)."""
        self.imports = imports
        self.fixed_load_mw = fixed_load_mw

    def attach_dr(self, desk) -> None:
        """The demand-response desk (agents.dr_desk): the operator calls events from its published forecast."""
        self.dr = desk

    def observe(self, t: int, signals) -> None:
        """Publish-side observe: with demand-response programs, call the events (agents.dr_desk)."""
        self.observed_step = t
        self._signals = signals
        if self.dr.active:
            self.dr.observe(t, signals)

    def register(self, book) -> None:
        """One block ``import``: each line's availability at its offer price (one vector per price variant)."""
        imp = self.imports
        self.import_block = book.add("import", price=imp.variant_offer_price, size=imp.n,
                                     co2_t_per_mwh=imp.co2_t_per_mwh, priority=IMPORT)
        self.decisions["cleared_mw"] = (lambda a, z: book.accepted_mw[a:z].sum(axis=1)[:, None], np.arange(self.n))

    def open_market(self, markets, book) -> None:
        """Fix the market rules and the offer prices of the opened book (sorted once per price variant)."""
        self.markets = markets
        self.market = MeritOrder(book.offer_price, book.dispatchable, rule=markets.clearing_rule,
                                 price_cap=markets.price_cap_cny_per_mwh, price_floor=markets.price_floor_cny_per_mwh,
                                 export_price=markets.exports.price_cny_per_mwh)

    def connect(self, dcs, heat, storage, export_mw: np.ndarray, price_mw: np.ndarray) -> None:
        """Counterparties the operator settles with: data centers (grid draw), heat utilities (electricity),
        stand-alone storage; the recorded export [steps] [MW] and wholesale price [steps] [CNY/MWh]."""
        self._dcs, self._heat, self._storage = dcs, heat, storage
        self.export_mw = export_mw
        self.decisions["wholesale_price_cny_per_mwh"] = (lambda a, z: price_mw[a:z, None], np.arange(self.n))
        self.decisions["export_mw"] = (lambda a, z: export_mw[a:z, None], np.arange(self.n))

    def bid(self, t: int, book, signals) -> None:
        """Open the step's demand (the region's fixed load, also the reserve base) and offer the import lines."""
        load = float(self.fixed_load_mw[t])
        book.demand_mw = load
        book.reserve_base_mw = load
        book.variant = int(self.imports.variant[t])
        book.offer(self.import_block, self.imports.available_mw[t])

    def clear(self, t: int, book) -> None:
        """Clear the book (agents.markets.clearing.MeritOrder, reserve held back from dispatchable offers).

        Must-take blocks (heat-led CHP power, agents.markets.heat) serve the demand first, then exports, and
        set the price when they are marginal. The reserve the plants' headroom cannot hold is then cleared
        against the storage reserve offers (agents.markets.reserve.clear_reserve: merit order, uniform price of
        the marginal accepted offer). Writes the accepted quantities (``book.record``, ``book.record_reserve``)
        and the step's ``price_cny_per_mwh``, ``export_mw``, ``unserved_mw`` (shortfalls below 1e-9 MW count
        as 0), ``reserve_price_cny_per_mwh`` and the remaining ``reserve_shortfall_mw`` into the book."""
        m = self.markets
        chp = book.must_take_mw
        chp_total = float(chp.sum())
        market_load = book.demand_mw
        chp_to_load = must_take_split(market_load, chp_total, 0.0)[0]
        accepted, price, export, unserved, reserve_short = self.market.clear(
            market_load - chp_to_load, book.offer_mw, reserve_mw=m.reserve_requirement_pu * book.reserve_base_mw,
            export_mw_max=m.exports.capacity_mw, variant=book.variant)
        if chp_total > 0.0:
            other = float(accepted.sum())
            _, chp_export, _ = must_take_split(market_load, chp_total, m.exports.capacity_mw - export)
            cols = book.must_take
            accepted[cols] = chp * ((chp_to_load + chp_export) / chp_total)
            export += chp_export
            # the wholesale price is a merit-order price under every rule (tou_tariff only sets the retail one)
            rule = "pay_as_bid" if m.clearing_rule == "pay_as_bid" else "pay_as_clear"
            price = price_with_must_take(rule, price, other, accepted[cols], book.must_take_price,
                                         unserved_mw=unserved, price_floor_cny_per_mwh=m.price_floor_cny_per_mwh,
                                         price_cap_cny_per_mwh=m.price_cap_cny_per_mwh)
        book.record(t, accepted)
        book.price_cny_per_mwh = price
        book.export_mw = export
        book.unserved_mw = 0.0 if unserved <= UNSERVED_TOL_MW else unserved
        if book.reserve_offered:
            cleared = clear_reserve(reserve_short, book.reserve_offer_mw, book.reserve_offer_price)
            book.record_reserve(cleared.accepted_mw, cleared.price_cny_per_mwh)
            reserve_short = cleared.shortfall_mw
        elif book.reserve_recorded:
            book.record_reserve(0.0, 0.0)
        book.reserve_shortfall_mw = reserve_short

    def settle(self, start: int, stop: int, prices) -> None:
        """The operator is the counterparty of every grid transaction (single buyer and supplier of last resort).

        Revenue: non-DC consumers at the retail price, data centers' grid draw and heat utilities' electricity
        at their price (retail, or wholesale for market participants, ``markets.wholesale_buyers``), stand-alone
        battery charging at the wholesale price, exports at the export bid. Cost: what it pays sellers — plants and renewables (their
        income under the clearing rule), CHP electricity and battery discharge at the wholesale price, imports,
        and the storage reserve it accepted (agents.markets.reserve).
        Revenue − cost is the supplier's margin, a transfer (docs/model.md). Arrays per step [MW, CNY/MWh].
        Settles after the other fleets (reads their settled arrays).
        """
        sl = slice(start, stop)
        retail, wholesale = prices.retail, prices.wholesale
        dc_price, heat_price = prices.price_for("data_center"), prices.price_for("heat_utility")
        dc_grid_mw = self._dcs.grid_power_mw(start, stop).sum(axis=1)
        heat_electricity_mw = self._heat.electric_load_mw[sl]
        stand_alone = self._storage.grid_side_power_mw(start, stop)
        storage_charge_mw = np.maximum(stand_alone, 0.0).sum(axis=1)
        storage_discharge_mw = np.maximum(-stand_alone, 0.0).sum(axis=1)
        export_mw = self.export_mw[sl]
        must, flex, res, chp_block = SUPPLY_BLOCKS
        supply_income_cny_per_h = (prices.income(must).sum(axis=1) + prices.income(flex).sum(axis=1)
                                   + prices.income(res).sum(axis=1) + prices.income(chp_block).sum(axis=1))
        chp_sold_mw = np.zeros(stop - start)  # CHP paid like any offer
        import_cost_cny = (prices.income(self.import_block).sum(axis=1)) * self.dt_h
        dt = self.dt_h
        self.revenue_cny[sl, 0] = (self.other_load[sl, 0] * retail + dc_grid_mw * dc_price
                                   + heat_electricity_mw * heat_price + storage_charge_mw * wholesale
                                   + export_mw * self.markets.exports.price_cny_per_mwh) * dt
        self.cost_cny[sl, 0] = ((supply_income_cny_per_h + (chp_sold_mw + storage_discharge_mw) * wholesale) * dt
                                + import_cost_cny + self._storage.reserve_revenue[sl].sum(axis=1))

    def power_mw(self, step: int) -> np.ndarray:
        return self.other_load[step].copy()
