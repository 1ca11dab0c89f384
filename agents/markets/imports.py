"""Import lines: hourly availability, price profile and mix of each interconnector into the region.

A line ``l`` offers ``cap_l · h_l[hour] · m_l[month]`` [MW] each step (24 hourly and 12 monthly factors in pu,
default 1) at ``p_l · hp_l[hour] · mp_l[month]`` [CNY/MWh] — the exporting region's price shape — plus its CO2
factor × the carbon price. A *scheduled* line (e.g. a UHVDC line from a hydro station run on an annual
delivery plan) is offered at the price floor, so it is always taken, and is paid its own price; other lines
are dispatched by price and paid like any offer under the clearing rule. Each line carries its own
renewable share and CO2 factor (agents.markets.attribution.import_mix).

Everything here depends only on the scenario and the clock, so it is computed once at build time. The offer
prices take only a few distinct vectors over a horizon (at most 24 × 12 for hourly × monthly profiles); the
merit order sorts each once (``variant_offer_price``, ``variant`` per step).
"""

from __future__ import annotations

import numpy as np

from agents.markets.clearing import offer_price_with_carbon


def profile(hourly_pu, monthly_pu, local_hour, local_month) -> np.ndarray:
    """Factor per step [-] = hourly[⌊local hour⌋] × monthly[month − 1] (a missing profile counts as 1).

    ``local_hour`` [h, 0–24) and ``local_month`` [1–12] per step.
    """
    hour = np.floor(np.asarray(local_hour, dtype=float)).astype(int) % 24
    month = np.asarray(local_month, dtype=int) - 1
    out = np.ones(hour.shape)
    if hourly_pu is not None:
        out = out * np.asarray(hourly_pu, dtype=float)[hour]
    if monthly_pu is not None:
        out = out * np.asarray(monthly_pu, dtype=float)[month]
    return out


class ImportBook:
    """The region's import lines over the horizon: availability [steps, lines] [MW], price [steps, lines]
    [CNY/MWh], offer-price variants and per-line mix."""

    def __init__(self, lines, default_co2_t_per_mwh: float, local_hour, local_month, price_floor: float,
                 carbon_price_cny_per_t: float):
        self.lines = tuple(lines)
        self.ids = [line.id for line in self.lines]
        self.n = len(self.lines)
        steps = len(local_hour)
        self.renewable_share_pu = np.array([line.renewable_share_pu for line in self.lines], dtype=float)
        self.co2_t_per_mwh = np.array([default_co2_t_per_mwh if line.co2_t_per_mwh is None else line.co2_t_per_mwh
                                       for line in self.lines], dtype=float)
        self.scheduled = np.array([line.scheduled for line in self.lines], dtype=bool)
        self.available_mw = np.empty((steps, self.n))
        self.price_cny_per_mwh = np.empty((steps, self.n))
        for k, line in enumerate(self.lines):
            self.available_mw[:, k] = line.capacity_mw * profile(line.hourly_capacity_pu, line.monthly_capacity_pu,
                                                                 local_hour, local_month)
            self.price_cny_per_mwh[:, k] = line.price_cny_per_mwh * profile(line.hourly_price_pu,
                                                                            line.monthly_price_pu, local_hour,
                                                                            local_month)
        offer = offer_price_with_carbon(self.price_cny_per_mwh, self.co2_t_per_mwh[None, :], carbon_price_cny_per_t)
        offer[:, self.scheduled] = price_floor
        if steps:
            self.variant_offer_price, inverse = np.unique(offer, axis=0, return_inverse=True)
            self.variant = np.asarray(inverse, dtype=np.intp).reshape(steps)
        else:
            self.variant_offer_price = np.zeros((1, self.n))
            self.variant = np.zeros(0, dtype=np.intp)

    def paid_cny_per_mwh(self, rule_paid: np.ndarray, sl: slice) -> np.ndarray:
        """Price paid to each line [steps, lines]: its own price for scheduled lines, ``rule_paid`` otherwise."""
        out = np.array(rule_paid, dtype=float)
        if self.scheduled.any():
            out[:, self.scheduled] = self.price_cny_per_mwh[sl][:, self.scheduled]
        return out
