"""Battery energy storage, one step at a time, vectorised over batteries."""

from __future__ import annotations

import numpy as np


def battery_step(
    soc_mwh,
    power_request_mw,
    dt_h,
    energy_capacity_mwh,
    power_capacity_mw,
    eta_charge=0.95,
    eta_discharge=0.95,
    soc_min_mwh=0.0,
):
    """Apply a charge/discharge request for one step, respecting power and energy limits.

    Returns ``(power_mw, soc_next_mwh)`` (ndarrays): the power actually exchanged with the grid [MW]
    (positive = charging, a load; negative = discharging, a source) and the state of charge at the end
    of the step [MWh], always within [soc_min_mwh, energy_capacity_mwh].

    Parameters: ``soc_mwh`` [MWh] state of charge at the start; ``power_request_mw`` [MW] requested
    grid-side power (+ charge / − discharge); ``dt_h`` [h] step length; ``energy_capacity_mwh`` [MWh];
    ``power_capacity_mw`` [MW] symmetric converter rating; ``eta_charge``, ``eta_discharge`` [-] one-way
    efficiencies; ``soc_min_mwh`` [MWh] reserve floor.

    Equations (standard bucket model, e.g. PyPSA StorageUnit): charging
    ``soc' = soc + eta_c * P * dt`` with ``P <= min(P_max, (E_max - soc) / (eta_c * dt))``; discharging
    ``soc' = soc - |P| * dt / eta_d`` with ``|P| <= min(P_max, (soc - soc_min) * eta_d / dt)``.
    """
    soc = np.asarray(soc_mwh, dtype=float)
    request = np.asarray(power_request_mw, dtype=float)
    e_max = np.asarray(energy_capacity_mwh, dtype=float)
    p_max = np.asarray(power_capacity_mw, dtype=float)
    soc_min = np.asarray(soc_min_mwh, dtype=float)
    if dt_h <= 0:
        raise ValueError("dt_h must be positive")
    headroom_mwh = np.maximum(e_max - soc, 0.0)
    available_mwh = np.maximum(soc - soc_min, 0.0)
    charge_limit_mw = np.minimum(p_max, headroom_mwh / (eta_charge * dt_h))
    discharge_limit_mw = np.minimum(p_max, available_mwh * eta_discharge / dt_h)
    power = np.clip(request, -discharge_limit_mw, charge_limit_mw)
    delta_mwh = np.where(power >= 0.0, power * eta_charge * dt_h, power * dt_h / eta_discharge)
    soc_next = np.clip(soc + delta_mwh, np.minimum(soc_min, e_max), e_max)
    return power, soc_next
