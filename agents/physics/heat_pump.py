"""Heat pumps lifting data-center waste heat to district-heating temperature.

Source: DOMAIN.md "Heat pump" (Carnot-fraction COP, eta 0.45–0.55; 25→75 °C COP 3.3–3.7,
40→75 °C COP 4.5–5.1); energy conservation delivered = source + electricity.
"""

from __future__ import annotations

import numpy as np

KELVIN_OFFSET = 273.15
MIN_LIFT_K = 1.0  # guard against division by ~0 when sink ≈ source


def carnot_cop(t_source_c, t_sink_c, eta=0.5, cop_max=None):
    """Heating COP as a fraction of the Carnot COP.

    Returns ``cop`` [-] (ndarray, broadcast of the inputs).

    Parameters: ``t_source_c`` [°C] heat-source temperature (e.g. 30 air-cooled hall, 45 direct-to-chip);
    ``t_sink_c`` [°C] supply temperature delivered to the network; ``eta`` [-] Carnot fraction (0.45–0.55);
    ``cop_max`` [-] optional practical ceiling for very small lifts (e.g. 8); None = no ceiling.

    Equation: ``cop = eta * T_sink_K / (T_sink_K - T_source_K)``; the lift is floored at 1 K.
    Source: DOMAIN.md "Heat pump".
    """
    t_sink_k = np.asarray(t_sink_c, dtype=float) + KELVIN_OFFSET
    t_source_k = np.asarray(t_source_c, dtype=float) + KELVIN_OFFSET
    lift_k = np.maximum(t_sink_k - t_source_k, MIN_LIFT_K)
    cop = np.asarray(eta, dtype=float) * t_sink_k / lift_k
    return cop if cop_max is None else np.minimum(cop, cop_max)


def heat_pump_output(source_heat_mw, cop):
    """Heat delivered and electricity drawn when a heat pump takes ``source_heat_mw`` from the source.

    Returns ``(delivered_heat_mw, electricity_mw)`` [MW] (ndarrays).

    Parameters: ``source_heat_mw`` [MW] low-grade heat extracted; ``cop`` [-] heating COP (> 1).

    Equations: ``delivered = source * cop / (cop - 1)``, ``electricity = delivered / cop``, so
    ``delivered = source + electricity`` (first law). Source: DOMAIN.md "Heat pump".
    """
    source = np.asarray(source_heat_mw, dtype=float)
    cop = _checked_cop(cop)
    delivered = source * cop / (cop - 1.0)
    return delivered, delivered / cop


def heat_pump_for_delivery(delivered_heat_mw, cop):
    """Source heat and electricity needed to deliver ``delivered_heat_mw`` (inverse of heat_pump_output).

    Returns ``(source_heat_mw, electricity_mw)`` [MW].

    Parameters: ``delivered_heat_mw`` [MW] heat to the network; ``cop`` [-] heating COP (> 1).

    Equations: ``electricity = delivered / cop``, ``source = delivered - electricity``.
    Source: DOMAIN.md "Heat pump".
    """
    delivered = np.asarray(delivered_heat_mw, dtype=float)
    cop = _checked_cop(cop)
    electricity = delivered / cop
    return delivered - electricity, electricity


def _checked_cop(cop):
    cop = np.asarray(cop, dtype=float)
    if np.any(cop <= 1.0):
        raise ValueError("heating COP must be > 1")
    return cop
