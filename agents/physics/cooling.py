"""Cooling technologies: hourly PUE, part-load PUE, water use and the split of facility energy.

Sources: DOMAIN.md "Cooling / PUE, hourly" (equations and annual bands: chillers + towers 1.29–1.39,
indirect evaporative 1.12–1.16, direct-to-chip ≈ 1.08, immersion ≈ 1.04; hot humid climates at the top),
"Water" (WUE ≈ 1.8 L/kWh with towers, 0–0.2 dry/liquid) and "Reduce" (PUE 1.46 → IT/cooling/power
conversion/other 69/17/10/4 %). ISO/IEC 30134-2 (PUE), 30134-9 (WUE). Heat-source temperatures from
DOMAIN.md "Reuse" (air 25–35 °C, direct-to-chip 40–55 °C).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_UTILISATION = 0.05


@dataclass(frozen=True)
class CoolingTech:
    """Parameters of one cooling technology (units in names; see docs/physics.md for calibration)."""

    name: str
    pue_min: float  # full-load PUE with free cooling [-]
    k_pue_per_degc: float  # PUE rise per °C of outdoor temperature above t_free_c [1/°C]
    t_free_c: float  # outdoor temperature up to which free cooling covers the load [°C]
    pue_max: float  # full-load PUE cap on the hottest hours [-]
    wue_base_l_per_kwh: float  # water use per kWh of IT at or below t_free_c [L/kWh]
    wue_k_l_per_kwh_per_degc: float  # water use rise per °C above t_free_c [L/kWh/°C]
    wue_max_l_per_kwh: float  # water use cap [L/kWh]
    heat_source_temp_c: float  # temperature at which the IT heat can be recovered [°C]
    liquid_fraction: float  # share of IT heat capturable at heat_source_temp_c [-] (water loop / liquid)
    # Heat rejected by evaporation (cooling towers, wetted heat exchangers): the outdoor temperature of
    # t_free_c, k_pue_per_degc and the WUE curve is then the wet bulb, otherwise the dry bulb.
    wet_bulb_driven: bool = False


#: Calibrated so an hourly synthetic year (agents.weather) at IT load fraction 0.8 lands in the DOMAIN.md
#: bands with Shanghai at the top (tests/physics/test_cooling_calibration.py): dry-bulb technologies with the
#: coldest site at the bottom, wet-bulb ones (towers, evaporative) with the driest (Golmud) at the bottom.
COOLING_TECHNOLOGIES: dict[str, CoolingTech] = {
    # Evaporative heat rejection: thresholds and slopes on the wet bulb. Full waterside economiser below a
    # 6 °C wet bulb (tower approach ~4 K + plate exchanger ~2 K under a 12–15 °C chilled-water supply);
    # indirect evaporative air handlers cool without compressors up to a ~14 °C wet bulb.
    "chiller_tower": CoolingTech(
        name="chiller_tower", pue_min=1.285, k_pue_per_degc=0.007, t_free_c=6.0, pue_max=1.55,
        wue_base_l_per_kwh=1.0, wue_k_l_per_kwh_per_degc=0.10, wue_max_l_per_kwh=3.5,
        heat_source_temp_c=30.0, liquid_fraction=0.9, wet_bulb_driven=True,
    ),
    "indirect_evaporative": CoolingTech(
        name="indirect_evaporative", pue_min=1.12, k_pue_per_degc=0.006, t_free_c=14.0, pue_max=1.30,
        wue_base_l_per_kwh=0.2, wue_k_l_per_kwh_per_degc=0.145, wue_max_l_per_kwh=2.0,
        heat_source_temp_c=30.0, liquid_fraction=0.6, wet_bulb_driven=True,
    ),
    "direct_to_chip": CoolingTech(
        name="direct_to_chip", pue_min=1.075, k_pue_per_degc=0.002, t_free_c=18.0, pue_max=1.15,
        wue_base_l_per_kwh=0.0, wue_k_l_per_kwh_per_degc=0.02, wue_max_l_per_kwh=0.4,
        heat_source_temp_c=45.0, liquid_fraction=0.75,
    ),
    "immersion": CoolingTech(
        name="immersion", pue_min=1.035, k_pue_per_degc=0.0012, t_free_c=20.0, pue_max=1.08,
        wue_base_l_per_kwh=0.0, wue_k_l_per_kwh_per_degc=0.01, wue_max_l_per_kwh=0.2,
        heat_source_temp_c=50.0, liquid_fraction=0.95,
    ),
    # Cold-plate racks for the accelerators plus air-cooled remainder (CPUs, storage, network): how the
    # Hohhot China Mobile campus reaches its design PUE 1.15 (DOMAIN.md "Cases"; 1.10–1.22 annual).
    "liquid_air_hybrid": CoolingTech(
        name="liquid_air_hybrid", pue_min=1.10, k_pue_per_degc=0.0025, t_free_c=10.0, pue_max=1.20,
        wue_base_l_per_kwh=0.05, wue_k_l_per_kwh_per_degc=0.03, wue_max_l_per_kwh=0.8,
        heat_source_temp_c=45.0, liquid_fraction=0.65,
    ),
    "air_free_cooling": CoolingTech(
        name="air_free_cooling", pue_min=1.12, k_pue_per_degc=0.008, t_free_c=15.0, pue_max=1.45,
        wue_base_l_per_kwh=0.05, wue_k_l_per_kwh_per_degc=0.02, wue_max_l_per_kwh=0.6,
        heat_source_temp_c=28.0, liquid_fraction=0.5,
    ),
}

# overhead_split calibration: power conversion + other per unit of IT saturate with the overhead,
# rest = C (1 - exp(-x / X0)), x = pue - 1; X0 = 0.45 puts a PUE 1.10 liquid-cooled site at ~3 % cooling and
# ~6 % power chain + other; C is fitted so PUE 1.46 gives cooling 17 % of facility energy exactly.
_X0_REST = 0.45
_C_REST = (0.46 - 0.17 * 1.46) / (1.0 - np.exp(-0.46 / _X0_REST))
_POWER_CONVERSION_SHARE_OF_REST = 10.0 / 14.0


def _tech(tech) -> CoolingTech:
    return COOLING_TECHNOLOGIES[tech] if isinstance(tech, str) else tech


def cooling_temperature_c(t_outdoor_c, tech, wet_bulb_c=None):
    """The outdoor temperature that limits a technology's heat rejection.

    Returns ``t`` [°C] (ndarray): ``wet_bulb_c`` for technologies that reject heat by evaporation
    (``wet_bulb_driven``: an open cooling tower cools water towards the wet bulb, its approach 3–5 K; an
    indirect evaporative cooler's wetted exchanger likewise — ASHRAE Handbook HVAC Systems and Equipment
    2020 ch. 40 (cooling towers) and ch. 41 (evaporative air coolers); ASHRAE TC 9.9 thermal guidelines),
    else the dry bulb ``t_outdoor_c`` (dry coolers, air economisers, liquid loops with dry coolers).

    Parameters: ``t_outdoor_c`` [°C] dry bulb; ``tech`` key or CoolingTech; ``wet_bulb_c`` [°C] wet bulb
    (agents.physics.psychrometrics.wet_bulb_c), required for evaporative technologies.
    """
    p = _tech(tech)
    if not p.wet_bulb_driven:
        return np.asarray(t_outdoor_c, dtype=float)
    if wet_bulb_c is None:
        raise ValueError(f"cooling technology {p.name!r} rejects heat by evaporation: wet_bulb_c is required")
    return np.asarray(wet_bulb_c, dtype=float)


def pue_full_load(t_outdoor_c, tech, wet_bulb_c=None):
    """Full-load PUE of a cooling technology at an outdoor temperature.

    Returns ``pue`` [-] (ndarray).

    Parameters: ``t_outdoor_c`` [°C] outdoor dry-bulb temperature; ``tech`` key of COOLING_TECHNOLOGIES or
    a CoolingTech; ``wet_bulb_c`` [°C] outdoor wet bulb (required for evaporative technologies, see
    ``cooling_temperature_c``).

    Equation: ``pue_full = min(pue_min + k * max(0, t - t_free), pue_max)`` with t the dry bulb, or the wet
    bulb for towers and evaporative coolers. Source: DOMAIN.md "Cooling / PUE, hourly".
    """
    p = _tech(tech)
    excess = np.maximum(0.0, cooling_temperature_c(t_outdoor_c, p, wet_bulb_c) - p.t_free_c)
    return np.minimum(p.pue_min + p.k_pue_per_degc * excess, p.pue_max)


def pue_part_load(pue_full, utilisation, f_fixed=0.3):
    """PUE at part load: fixed overheads weigh more when the IT load is low.

    Returns ``pue`` [-] (ndarray).

    Parameters: ``pue_full`` [-] full-load PUE; ``utilisation`` [-] IT load / design IT load (clipped to
    [0.05, 1]); ``f_fixed`` [-] share of the full-load overhead that does not scale with IT load (~0.3).

    Equation: ``pue(u) = 1 + (pue_full - 1) * (f_fixed / u + 1 - f_fixed)``. Source: DOMAIN.md.
    """
    u = np.clip(np.asarray(utilisation, dtype=float), MIN_UTILISATION, 1.0)
    return 1.0 + (np.asarray(pue_full, dtype=float) - 1.0) * (f_fixed / u + 1.0 - f_fixed)


def wue_l_per_kwh(t_outdoor_c, tech, wet_bulb_c=None):
    """Water usage effectiveness: litres of water per kWh of IT energy.

    Returns ``wue`` [L/kWh] (ndarray).

    Parameters: ``t_outdoor_c`` [°C] dry bulb; ``tech`` key of COOLING_TECHNOLOGIES or a CoolingTech;
    ``wet_bulb_c`` [°C] wet bulb (required for evaporative technologies, see ``cooling_temperature_c``).

    Equation: ``wue = min(wue_base + k_w * max(0, t - t_free), wue_max)``, t as in ``pue_full_load``.
    Calibrated so cooling towers give ≈ 1.8 L/kWh annually in a temperate climate and dry/liquid systems
    0–0.2 (DOMAIN.md "Water"; ISO/IEC 30134-9).
    """
    p = _tech(tech)
    excess = np.maximum(0.0, cooling_temperature_c(t_outdoor_c, p, wet_bulb_c) - p.t_free_c)
    return np.minimum(p.wue_base_l_per_kwh + p.wue_k_l_per_kwh_per_degc * excess, p.wue_max_l_per_kwh)


def overhead_split(pue):
    """Split facility energy into IT, cooling, power conversion and other.

    Returns ``{"it", "cooling", "power_conversion", "other"}`` fractions of facility energy [-] summing to 1.

    Parameters: ``pue`` [-] (≥ 1).

    Model: per unit of IT energy the overhead is ``x = pue - 1``; power conversion + other take
    ``r = C (1 - exp(-x / 0.45))`` (UPS/transformer losses and lighting grow with, but saturate against, the
    overhead), split 10 : 4; cooling takes the rest ``x - r`` (> 0 for all x > 0). ``C`` ≈ 0.331 is fitted so
    PUE 1.46 gives 69/17/10/4 % (DOMAIN.md "Reduce"); then PUE 1.25 gives IT 80 %, cooling 8.7 % and PUE 1.10
    gives IT 91 %, cooling 3.1 %.
    """
    pue = np.maximum(np.asarray(pue, dtype=float), 1.0)
    x = pue - 1.0
    rest_per_it = _C_REST * -np.expm1(-x / _X0_REST)
    cooling_per_it = x - rest_per_it
    return {
        "it": 1.0 / pue,
        "cooling": cooling_per_it / pue,
        "power_conversion": _POWER_CONVERSION_SHARE_OF_REST * rest_per_it / pue,
        "other": (1.0 - _POWER_CONVERSION_SHARE_OF_REST) * rest_per_it / pue,
    }


def free_cooling_hours(t_outdoor_c, tech, dt_h, wet_bulb_c=None):
    """Hours in which the outdoor temperature allows free cooling (no mechanical refrigeration).

    Returns ``hours`` [h] summed over the last axis. Parameters: ``t_outdoor_c`` [°C] dry-bulb series at
    steps of ``dt_h`` [h]; ``tech`` key or CoolingTech; ``wet_bulb_c`` [°C] wet bulb (evaporative
    technologies). Equation: ``Σ [t ≤ t_free] · dt_h``, t as in ``pue_full_load``.
    """
    t = cooling_temperature_c(t_outdoor_c, tech, wet_bulb_c)
    return np.sum(t <= _tech(tech).t_free_c, axis=-1) * dt_h


def recoverable_heat_mw(it_power_mw, tech):
    """Heat available for recovery at the technology's source temperature.

    Returns ``heat_mw`` [MW]. Parameters: ``it_power_mw`` [MW]; ``tech`` key or CoolingTech.
    Equation: ``Q = P_it * liquid_fraction`` (all IT power ends as heat; DOMAIN.md "Reuse").
    """
    return np.asarray(it_power_mw, dtype=float) * _tech(tech).liquid_fraction
