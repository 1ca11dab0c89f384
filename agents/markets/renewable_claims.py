"""Renewable energy a data center may claim: owned plants and storage hour by hour, and contracts (hook).

ISO/IEC 30134-3 (REF; identical to EN 50600-4-3): ``REF = E_ren / E_DC`` with ``E_ren`` the renewable energy
the data center *owns or controls* — generated on site or by plants it owns and retired in the data center,
bought as certificates, or utility electricity with documented renewable origin (a contract) — and ``E_DC``
the data center's total energy (the PUE numerator). REF is at most 1: "on-site generation of renewable
energy beyond the need of the data centre shall not be accounted for". The location-based renewable share
of grid electricity is *not* renewable energy the data center owns; it is reported as a separate KPI.

Attribution used here (energy-correct, so no claim ever exceeds consumption):

- owned generation ``G_t`` (the DC's own PV and the renewable plants whose ``owner_id`` names it, as the
  market accepted them) covers the DC's load ``L_t`` first: ``direct_t = min(G_t, L_t)``;
- the DC's own batteries (its on-site battery and storage actors it owns) form one pool per DC with
  renewable fraction ``f``. Charging counts as renewable up to the owned surplus ``G_t − direct_t``;
  discharge serves the DC's remaining load first, and ``f`` of that is renewable:
  ``from_storage_t = f · min(D_t, L_t − direct_t)``;
  pool mixing as in agents.markets.attribution: ``f' = (f·(E − D_pool) + r·C) / (E − D_pool + C)``, with
  ``r`` the renewable share of the charge; the initial state of charge counts as not renewable;
- ``used_t = direct_t + from_storage_t ≤ L_t``.

Contracted renewable energy: ``contracted_renewable_mw`` returns what green PPAs (agents.contract_types.GreenPpa
with certificates) deliver to each DC hour by hour, from the contract ledger; ``certificate_renewable_mwh``
(unbundled certificates over the period) stays zero: no contract type sells certificates without energy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class OwnedRenewable(NamedTuple):
    """Hour-by-hour owned renewable energy a DC uses, [steps, DCs] [MW]."""

    used_mw: np.ndarray  # direct + from storage, ≤ load
    direct_mw: np.ndarray  # owned generation used in the same step
    from_storage_mw: np.ndarray  # renewable part of own-battery discharge used by the DC
    pool_renewable_pu: np.ndarray  # [DCs] renewable fraction of each DC's battery pool after the last step


def owned_renewable_used_mw(load_mw, generation_mw, charge_mw, discharge_mw, charged_mwh, discharged_mwh,
                            pool_before_mwh, pool_renewable_pu=None) -> OwnedRenewable:
    """Owned renewable power each data center uses at every step (see the module docstring).

    Parameters, all [steps, DCs]: ``load_mw`` [MW] energy use inside the DC boundary (facility + own heat
    pump); ``generation_mw`` [MW] output of the DC's own renewable plants; ``charge_mw`` / ``discharge_mw``
    [MW] grid-side charge and discharge of the DC's own batteries (≥ 0); ``charged_mwh`` / ``discharged_mwh``
    [MWh] energy into / out of the battery pool (after charge and before discharge efficiency);
    ``pool_before_mwh`` [MWh] pool energy at the start of each step; ``pool_renewable_pu`` [DCs] renewable
    fraction of the pool before the first step (None: 0, the initial charge is not renewable) — pass the
    previous call's ``pool_renewable_pu`` to continue over consecutive chunks of steps.

    Returns ``OwnedRenewable`` of [steps, DCs] arrays [MW]; ``used_mw ≤ load_mw`` at every step.
    Source: ISO/IEC 30134-3:2016 §6 / EN 50600-4-3:2016 (owned renewable energy, REF ≤ 1); pool-average
    storage attribution as in agents.markets.attribution (GHG Protocol Scope 2 guidance).
    """
    load = np.maximum(np.asarray(load_mw, dtype=float), 0.0)
    gen = np.maximum(np.asarray(generation_mw, dtype=float), 0.0)
    charge = np.asarray(charge_mw, dtype=float)
    discharge = np.asarray(discharge_mw, dtype=float)
    direct = np.minimum(gen, load)
    surplus = gen - direct
    need = load - direct
    ren_charge_pu = np.divide(np.minimum(charge, surplus), charge, out=np.zeros_like(charge), where=charge > 0.0)
    to_dc = np.minimum(discharge, need)
    from_storage = np.zeros_like(load)
    f = np.zeros(load.shape[1:]) if pool_renewable_pu is None else np.array(pool_renewable_pu, dtype=float)
    for t in range(load.shape[0]):
        from_storage[t] = f * to_dc[t]
        kept = np.maximum(pool_before_mwh[t] - discharged_mwh[t], 0.0)
        inflow = charged_mwh[t]
        total = kept + inflow
        f = np.divide(f * kept + ren_charge_pu[t] * inflow, total, out=f.copy(), where=total > 0.0)
    return OwnedRenewable(direct + from_storage, direct, from_storage, f)


def contracted_renewable_mw(contracts, dc_ids, start: int, stop: int) -> np.ndarray:
    """Renewable power delivered to each data center under green PPAs that transfer their certificates,
    [steps, DCs] [MW], for steps [start, stop). ``contracts``: the model's contract ledger (agents.ledger
    .ContractLedger, which meters each PPA's renewable volume every step); a plain list of scenario contracts
    (no metered output) gives zeros."""
    if hasattr(contracts, "renewable_to_dcs_mw"):
        return contracts.renewable_to_dcs_mw(dc_ids, start, stop)
    return np.zeros((max(stop - start, 0), len(dc_ids)))


def certificate_renewable_mwh(contracts, dc_ids, start: int, stop: int) -> np.ndarray:
    """Unbundled green certificates each data center retires for steps [start, stop), [DCs] [MWh] (pro rata
    to the period) — the second hook of the "Cooperation contracts" issue; zero until that type exists."""
    return np.zeros(len(dc_ids))
