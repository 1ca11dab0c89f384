"""Finance of a contract party's yearly cash flows: NPV, IRR, simple and discounted payback (numpy-financial).

Conventions: ``cash_flows_cny[0]`` is year 0 (the investment at signing, undiscounted), ``cash_flows_cny[k]``
the net cash flow of year ``k`` (end of year). NPV = Σ_k CF_k / (1 + r)^k (``numpy_financial.npv``). IRR is
reported only when the cash flow changes sign exactly once (then it is unique, Descartes' rule of signs);
otherwise ``irr`` is None and ``irr_reason`` says why. Payback: the first time the cumulative (discounted)
cash flow reaches zero for good (after its last negative year, so a reinvestment that pulls it below zero
again counts), interpolated linearly inside the year it crosses (None when it ends negative, 0 when it never
goes below zero).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy_financial as npf


class Finance(NamedTuple):
    npv_cny: float
    irr_pu: float | None  # per year
    irr_reason: str | None  # why there is no IRR (None when there is one)
    simple_payback_years: float | None
    discounted_payback_years: float | None


def sign_changes(cash_flows_cny) -> int:
    """Number of sign changes of the cash flow, zeros skipped."""
    cf = np.asarray(cash_flows_cny, dtype=float)
    s = np.sign(cf[cf != 0.0])
    return int(np.count_nonzero(s[1:] != s[:-1]))


def npv_cny(cash_flows_cny, rate_pu: float) -> float:
    """NPV at ``rate_pu`` per year of year-0… cash flows [CNY]."""
    return float(npf.npv(rate_pu, np.asarray(cash_flows_cny, dtype=float)))


def irr_pu(cash_flows_cny) -> tuple[float | None, str | None]:
    """(IRR per year, None) when the cash flow changes sign exactly once, else (None, reason)."""
    cf = np.asarray(cash_flows_cny, dtype=float)
    n = sign_changes(cf)
    if n == 0:
        return None, ("no investment: the cash flow never turns negative" if (cf >= 0).all()
                      else "no return: the cash flow never turns positive")
    if n > 1:
        return None, f"the cash flow changes sign {n} times, so the IRR is not unique"
    value = float(npf.irr(cf))
    if not np.isfinite(value):
        return None, "numpy-financial found no IRR"
    return value, None


def payback_years(cash_flows_cny, rate_pu: float = 0.0) -> float | None:
    """Years until the cumulative cash flow (discounted at ``rate_pu``) reaches zero for good (after its last
    negative year), interpolated inside the crossing year; 0.0 if it is never negative; None if it ends
    negative."""
    cf = np.asarray(cash_flows_cny, dtype=float)
    disc = cf / (1.0 + rate_pu) ** np.arange(cf.size)
    cum = np.cumsum(disc)
    if (cum >= 0).all():
        return 0.0
    last_negative = int(np.flatnonzero(cum < 0)[-1])
    if last_negative == cf.size - 1:
        return None
    k = last_negative + 1  # cum[k] >= 0 > cum[k - 1]
    return float(k - 1 + (-cum[k - 1]) / disc[k])


def evaluate(cash_flows_cny, rate_pu: float) -> Finance:
    """NPV, IRR (or the reason there is none), simple and discounted payback of yearly cash flows."""
    irr, reason = irr_pu(cash_flows_cny)
    return Finance(npv_cny(cash_flows_cny, rate_pu), irr, reason, payback_years(cash_flows_cny, 0.0),
                   payback_years(cash_flows_cny, rate_pu))


def annuity_factor_pu(rate_pu: float, lifetime_years: int) -> float:
    """Capital recovery factor [1/year]: the yearly payment that repays 1 CNY over ``lifetime_years`` at
    ``rate_pu``: r / (1 − (1 + r)^−n); 1/n at r = 0 (numpy_financial.pmt)."""
    return float(-npf.pmt(rate_pu, lifetime_years, 1.0))


def yearly_cash_flows_cny(*, annual_operating_cny: float, term_years: int, capex_cny: float = 0.0,
                          lifetime_years: int | None = None, opex_cny_per_year: float = 0.0) -> np.ndarray:
    """Year 0 … term: −capex in year 0 (and again at each multiple of the lifetime inside the term), then
    ``annual_operating_cny − opex`` every year 1 … term. No residual value at the end of the term."""
    cf = np.zeros(term_years + 1)
    cf[1:] = annual_operating_cny - opex_cny_per_year
    if capex_cny:
        life = lifetime_years or term_years
        for year in range(0, term_years, life):
            cf[year] -= capex_cny
    return cf
