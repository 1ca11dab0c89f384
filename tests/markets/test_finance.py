"""Hand-worked NPV, IRR and payback cases (agents.finance, numpy-financial)."""

import math

import pytest

from agents import finance


def test_npv_irr_and_paybacks_of_a_two_year_project_by_hand():
    cf = [-100.0, 60.0, 60.0]
    # NPV at 10 %: −100 + 60/1.1 + 60/1.21 = −100 + 54.5455 + 49.5868 = 4.1322
    assert finance.npv_cny(cf, 0.10) == pytest.approx(4.132231, abs=1e-6)
    # IRR: 60y + 60y² = 100 with y = 1/(1+x) → y = (−1 + √(1 + 20/3)) / 2 = 0.884437 → x = 0.130662
    irr, reason = finance.irr_pu(cf)
    assert reason is None and irr == pytest.approx((2.0 / (-1.0 + math.sqrt(1.0 + 20.0 / 3.0))) - 1.0, abs=1e-9)
    # simple: cumulative −100, −40, +20 → 1 + 40/60 years; discounted: −100, −45.455, +4.132 → 1 + 45.455/49.587
    assert finance.payback_years(cf) == pytest.approx(1.0 + 40.0 / 60.0)
    assert finance.payback_years(cf, 0.10) == pytest.approx(1.0 + (100.0 - 60.0 / 1.1) / (60.0 / 1.21))
    f = finance.evaluate(cf, 0.10)
    assert f.npv_cny == pytest.approx(4.132231, abs=1e-6) and f.irr_reason is None
    assert f.discounted_payback_years > f.simple_payback_years


def test_irr_only_when_the_cash_flow_changes_sign_once():
    # −100, +230, −132 has IRRs 10 % and 20 % (two sign changes): not reported
    irr, reason = finance.irr_pu([-100.0, 230.0, -132.0])
    assert irr is None and "changes sign 2 times" in reason
    irr, reason = finance.irr_pu([0.0, 5.0, 5.0])
    assert irr is None and "no investment" in reason
    irr, reason = finance.irr_pu([-5.0, -5.0])
    assert irr is None and "no return" in reason
    # a project that never pays back still has one IRR: 10y + 10y² = 100 → y = (−1 + √41)/2 → x = −0.62985
    irr, _ = finance.irr_pu([-100.0, 10.0, 10.0])
    assert irr == pytest.approx(2.0 / (-1.0 + math.sqrt(41.0)) - 1.0, abs=1e-9)
    assert finance.payback_years([-100.0, 10.0, 10.0]) is None
    assert finance.payback_years([0.0, 5.0]) == 0.0


def test_annuity_factor_and_reinvestment_inside_the_term():
    # capital recovery factor r / (1 − (1 + r)^−n): 6 %, 20 years → 0.0871846; 0 % → 1/n
    assert finance.annuity_factor_pu(0.06, 20) == pytest.approx(0.06 / (1.0 - 1.06 ** -20), rel=1e-12)
    assert finance.annuity_factor_pu(0.0, 8) == pytest.approx(1.0 / 8.0)
    cf = finance.yearly_cash_flows_cny(annual_operating_cny=30.0, term_years=10, capex_cny=100.0, lifetime_years=4,
                                       opex_cny_per_year=5.0)
    assert cf.tolist() == [-100.0, 25.0, 25.0, 25.0, -75.0, 25.0, 25.0, 25.0, -75.0, 25.0, 25.0]
    assert finance.sign_changes(cf) == 5  # − + − + − +: five changes, so no IRR for this one
