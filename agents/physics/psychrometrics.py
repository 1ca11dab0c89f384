"""Moist air: saturation vapour pressure, relative humidity and wet-bulb temperature (vectorised).

Sources: WMO Guide to Instruments and Methods of Observation (WMO-No. 8, 2018 ed.), Vol. I, Annex 4.B
(Magnus formula for the saturation vapour pressure over water; psychrometer equation with the ventilated
psychrometer coefficient); Stull, R. (2011) "Wet-bulb temperature from relative humidity and air
temperature", J. Appl. Meteor. Climatol. 50, 2267–2269 (closed form at 101.325 kPa, used as the start of
the Newton iteration). Tested against ASHRAE's psychrometric library (psychrolib, ASHRAE Handbook
Fundamentals 2017 ch. 1) in tests/physics/test_psychrometrics.py.
"""

from __future__ import annotations

import numpy as np

STANDARD_PRESSURE_PA = 101_325.0
_NEWTON_ITERATIONS = 8


def saturation_vapour_pressure_pa(temp_c):
    """Saturation vapour pressure over liquid water.

    Returns ``e_s`` [Pa]. Parameters: ``temp_c`` [°C] (−45 … 60). Equation (Magnus, WMO-No. 8 Annex 4.B):
    ``e_s = 611.2 · exp(17.62 t / (243.12 + t))``. 20 °C → 2,337 Pa.
    """
    t = np.asarray(temp_c, dtype=float)
    return 611.2 * np.exp(17.62 * t / (243.12 + t))


def relative_humidity_pu(temp_c, vapour_pressure_pa):
    """Relative humidity of air with a vapour pressure, capped at saturation.

    Returns ``rh`` [-] in [0, 1]. Parameters: ``temp_c`` [°C]; ``vapour_pressure_pa`` [Pa].
    Equation: ``rh = min(e / e_s(t), 1)`` (WMO-No. 8 Annex 4.B definition over water).
    """
    return np.clip(np.asarray(vapour_pressure_pa, dtype=float) / saturation_vapour_pressure_pa(temp_c), 0.0, 1.0)


def wet_bulb_stull_c(temp_c, rh_pu):
    """Wet-bulb temperature at sea-level pressure, closed form of Stull (2011).

    Returns ``t_wet_c`` [°C]. Parameters: ``temp_c`` [°C] dry bulb; ``rh_pu`` [-] relative humidity.

    Equation (Stull 2011, eq. 1, RH in %): ``Tw = T atan(0.151977 (RH + 8.313659)^½) + atan(T + RH)
    − atan(RH − 1.676331) + 0.00391838 RH^{3/2} atan(0.023101 RH) − 4.686035``. Valid for RH 5–99 % and
    T −20 … 50 °C at 101.325 kPa, error −1 … +0.65 °C (20 °C, 50 % → 13.7 °C).
    """
    t = np.asarray(temp_c, dtype=float)
    rh = np.clip(np.asarray(rh_pu, dtype=float), 0.0, 1.0) * 100.0
    return (t * np.arctan(0.151977 * np.sqrt(rh + 8.313659)) + np.arctan(t + rh) - np.arctan(rh - 1.676331)
            + 0.00391838 * rh ** 1.5 * np.arctan(0.023101 * rh) - 4.686035)


def wet_bulb_c(temp_c, rh_pu, pressure_pa=STANDARD_PRESSURE_PA):
    """(Psychrometric) wet-bulb temperature of moist air at a station pressure.

    Returns ``t_wet_c`` [°C] (≤ ``temp_c``; equal at saturation). Parameters: ``temp_c`` [°C] dry bulb;
    ``rh_pu`` [-] relative humidity over water (0 … 1); ``pressure_pa`` [Pa] station pressure (sites at
    altitude evaporate more: Golmud, 2,808 m, ≈ 72 kPa).

    Equation: the psychrometer equation (WMO-No. 8, Annex 4.B) ``e = e_s(Tw) − A p (T − Tw)`` with
    ``A = 6.53e-4 (1 + 0.000944 Tw)`` 1/K and ``e = rh · e_s(T)``, solved for ``Tw`` by Newton's method from
    Stull's (2011) sea-level estimate (8 iterations, vectorised). Over water also below 0 °C.
    20 °C, 50 %, 101.325 kPa → 13.8 °C (ASHRAE psychrometric chart 13.7–13.8 °C).
    """
    t = np.asarray(temp_c, dtype=float)
    rh = np.clip(np.asarray(rh_pu, dtype=float), 0.0, 1.0)
    p = np.asarray(pressure_pa, dtype=float)
    e = rh * saturation_vapour_pressure_pa(t)
    tw = np.minimum(wet_bulb_stull_c(t, np.maximum(rh, 0.05)), t)
    for _ in range(_NEWTON_ITERATIONS):
        es_w = saturation_vapour_pressure_pa(tw)
        a = 6.53e-4 * (1.0 + 0.000944 * tw)
        f = es_w - a * p * (t - tw) - e
        dfdtw = es_w * 17.62 * 243.12 / (243.12 + tw) ** 2 + a * p - 6.53e-4 * 0.000944 * p * (t - tw)
        tw = tw - f / dfdtw
    return np.minimum(tw, t)
