"""Combined heat and power (CHP): fuel, power and heat of a heat-led unit, and the split of its fuel's CO2.

A CHP unit turns fuel F into electricity P = η_el · F and useful heat Q = η_th · F; the rest, (1 − η_el − η_th) · F,
is lost (flue gas, radiation, condenser). The first law requires ``η_el + η_th ≤ 1`` (fuel on the basis of the
fuel's energy content used for the efficiencies). Typical totals 0.80–0.90; a gas CHP with power-to-heat ratio
σ = P/Q = 0.6 at a total of 0.88 has η_el ≈ 0.33 and η_th ≈ 0.55 (DOMAIN.md "CHP").

Heat-led operation: the heat dispatch decides Q; fuel and power follow from the efficiencies.

CO2 of the fuel is shared between the two products by a stated allocation method (share of the fuel allocated
to power ``a_el``; heat gets ``1 − a_el``). Source for all three: A. Nuorkivi, *Allocation of fuel energy and
emissions to heat and power in CHP*, Energy-AN Consulting for Nordic Energy Research, 2010, ch. 3–4; the
Finnish Energy district-heat emissions calculator (klpaastolaskuri.fi) publishes Finnish networks under the
benefit-sharing and the energy method.

- ``energy`` (IEA / "energy content" method): by energy output, ``a_el = η_el / (η_el + η_th)``.
- ``exergy`` (Carnot method): by exergy output, heat weighted by its Carnot factor
  ``η_c = 1 − T_0 / T_h`` (T_h the thermodynamic mean temperature of the heat carrier, T_0 the environment, K):
  ``a_el = η_el / (η_el + η_c · η_th)``.
- ``efficiency`` (Finnish "benefit-sharing" method, hyödynjakomenetelmä): by the fuel that separate production
  would need, with reference efficiencies of separate power (condensing plant, 0.39) and heat (boiler, 0.90):
  ``a_el = (η_el / η_ref,el) / (η_el / η_ref,el + η_th / η_ref,th)``.
"""

from __future__ import annotations

import numpy as np

CHP_ALLOCATION_METHODS = ("energy", "exergy", "efficiency")
FINNISH_REFERENCE_POWER_EFFICIENCY_PU = 0.39  # separate power (condensing plant), benefit-sharing method
FINNISH_REFERENCE_HEAT_EFFICIENCY_PU = 0.90  # separate heat (heat-only boiler), benefit-sharing method
KELVIN = 273.15


def first_law_excess_pu(electrical_efficiency_pu, thermal_efficiency_pu):
    """How far a CHP's efficiencies exceed the first law: ``max(0, η_el + η_th − 1)`` [-] (0 = physical)."""
    return np.maximum(0.0, np.asarray(electrical_efficiency_pu, dtype=float)
                      + np.asarray(thermal_efficiency_pu, dtype=float) - 1.0)


def chp_fuel_mw(heat_mw, thermal_efficiency_pu):
    """Fuel input of a heat-led CHP unit delivering ``heat_mw``.

    Returns ``fuel_mw`` [MW of fuel energy]. Parameters: ``heat_mw`` [MW_th] useful heat;
    ``thermal_efficiency_pu`` η_th [-] (> 0). Equation: ``F = Q / η_th``.
    """
    eta = np.asarray(thermal_efficiency_pu, dtype=float)
    if np.any(eta <= 0.0):
        raise ValueError("thermal efficiency must be positive")
    return np.asarray(heat_mw, dtype=float) / eta


def chp_power_mw(heat_mw, electrical_efficiency_pu, thermal_efficiency_pu):
    """Electricity of a heat-led CHP unit delivering ``heat_mw``.

    Returns ``power_mw`` [MW_el]. Parameters: ``heat_mw`` [MW_th]; ``electrical_efficiency_pu`` η_el [-];
    ``thermal_efficiency_pu`` η_th [-]. Equation: ``P = η_el · F = Q · η_el / η_th`` (power-to-heat ratio
    σ = η_el / η_th). Raises ValueError when ``η_el + η_th > 1`` (the unit would create energy).
    """
    if np.any(first_law_excess_pu(electrical_efficiency_pu, thermal_efficiency_pu) > 1e-12):
        raise ValueError("electrical + thermal efficiency exceeds 1 (first law)")
    return chp_fuel_mw(heat_mw, thermal_efficiency_pu) * np.asarray(electrical_efficiency_pu, dtype=float)


def carnot_factor(heat_supply_temp_c, heat_return_temp_c, ambient_temp_c):
    """Carnot (exergy) factor of heat carried between a supply and a return temperature.

    Returns ``η_c`` [-] in [0, 1). Parameters: supply / return temperature of the heat carrier [°C];
    ``ambient_temp_c`` T_0 of the environment [°C]. Equation: thermodynamic mean temperature
    ``T_h = (T_s − T_r) / ln(T_s / T_r)`` (K; ``T_s`` when equal), ``η_c = max(0, 1 − T_0 / T_h)``.
    Source: Nuorkivi (2010) ch. 3.1; any thermodynamics text (exergy of heat at variable temperature).
    """
    ts = np.asarray(heat_supply_temp_c, dtype=float) + KELVIN
    tr = np.asarray(heat_return_temp_c, dtype=float) + KELVIN
    t0 = np.asarray(ambient_temp_c, dtype=float) + KELVIN
    close = np.isclose(ts, tr)
    th = np.where(close, ts, (ts - tr) / np.log(np.where(close, 2.0, ts / np.where(close, 1.0, tr))))
    return np.maximum(0.0, 1.0 - t0 / th)


def power_share_of_fuel(method, electrical_efficiency_pu, thermal_efficiency_pu, *, carnot_factor_pu=None,
                        reference_power_efficiency_pu=FINNISH_REFERENCE_POWER_EFFICIENCY_PU,
                        reference_heat_efficiency_pu=FINNISH_REFERENCE_HEAT_EFFICIENCY_PU):
    """Share of a CHP unit's fuel (and its CO2 and fuel cost) allocated to its electricity.

    Returns ``a_el`` [-] in [0, 1]; heat carries ``1 − a_el``. Parameters: ``method`` one of
    CHP_ALLOCATION_METHODS; η_el, η_th [-]; ``carnot_factor_pu`` η_c [-] of the heat (``exergy`` only, see
    carnot_factor); reference efficiencies of separate production [-] (``efficiency`` only; Finnish
    benefit-sharing defaults 0.39 power, 0.90 heat). Equations in the module docstring (Nuorkivi 2010).
    Example (η_el 0.33, η_th 0.55): energy 0.375; benefit-sharing 0.581; exergy with η_c 0.16 → 0.789.
    """
    el = np.asarray(electrical_efficiency_pu, dtype=float)
    th = np.asarray(thermal_efficiency_pu, dtype=float)
    if method == "energy":
        weight_el, weight_th = el, th
    elif method == "exergy":
        if carnot_factor_pu is None:
            raise ValueError("the exergy method needs the Carnot factor of the heat")
        weight_el, weight_th = el, th * np.asarray(carnot_factor_pu, dtype=float)
    elif method == "efficiency":
        weight_el = el / float(reference_power_efficiency_pu)
        weight_th = th / float(reference_heat_efficiency_pu)
    else:
        raise ValueError(f"unknown CHP allocation method {method!r}; expected one of {CHP_ALLOCATION_METHODS}")
    total = weight_el + weight_th
    return np.divide(weight_el, total, out=np.zeros(np.broadcast(weight_el, total).shape), where=total > 0)


def co2_split_t(fuel_co2_t, power_share_pu):
    """Split a CHP unit's fuel CO2 between electricity and heat.

    Returns ``(power_co2_t, heat_co2_t)`` [tCO2], which sum to ``fuel_co2_t``. Parameters: ``fuel_co2_t``
    [tCO2] = fuel [MWh] × fuel factor [tCO2/MWh]; ``power_share_pu`` a_el [-] from power_share_of_fuel.
    """
    co2 = np.asarray(fuel_co2_t, dtype=float)
    power = co2 * np.asarray(power_share_pu, dtype=float)
    return power, co2 - power


def power_cost_per_mwh_el(fuel_cost_cny_per_mwh, power_share_pu, electrical_efficiency_pu):
    """Fuel (+ carbon) cost allocated to one MWh of CHP electricity [CNY/MWh_el].

    Parameters: ``fuel_cost_cny_per_mwh`` [CNY per MWh of fuel] (fuel price + CO2 factor × carbon price);
    ``power_share_pu`` a_el [-]; ``electrical_efficiency_pu`` η_el [-] (> 0). Equation:
    ``c_el = c_fuel · a_el / η_el`` (fuel allocated to power per MWh_el = a_el · F / P = a_el / η_el).
    """
    el = np.asarray(electrical_efficiency_pu, dtype=float)
    return np.divide(np.asarray(fuel_cost_cny_per_mwh, dtype=float) * np.asarray(power_share_pu, dtype=float), el,
                     out=np.zeros(np.broadcast(el, power_share_pu, fuel_cost_cny_per_mwh).shape), where=el > 0)
