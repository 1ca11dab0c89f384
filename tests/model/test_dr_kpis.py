"""DR results in kpis.json (issue 12): per program / event / aggregator / participant the called MW, the baseline,
the measured response, payment and penalty — consistent with the desk's ledger and the metered load, every key
with a unit (agents.units) and named in docs/model.md."""

from pathlib import Path

import numpy as np
import pytest

from agents import RegionModel, units, validate_scenario
from agents.markets import baselines
from tests.model.test_decisions_dc_dr import _doc

DOCS = Path(__file__).resolve().parents[2] / "docs" / "model.md"


@pytest.fixture(scope="module")
def dr_run() -> RegionModel:
    m = RegionModel(validate_scenario(_doc()))
    m.apply_decisions([{"step": 24, "actor_id": "vpp", "parameter": "commitment_mw.0", "value": 6.0}])
    m.run()
    return m


def test_dr_kpis_per_event_match_the_metered_load_and_the_ledger(dr_run):
    m = dr_run
    k = m.kpis()["demand_response"]
    assert list(k["events"]) == ["p#1", "p#2", "p#3"]
    dt = m.dt_h
    load = m.dcs.grid_power_mw(0, m.total_steps)[:, 0]
    for call, (key, ev) in zip(m.dr.calls, k["events"].items(), strict=True):
        s, e = call["start_step"], call["end_step"]
        assert (ev["start_step"], ev["end_step"], ev["is_measured"]) == (s, e, True)
        assert ev["called_mwh"] == pytest.approx(m.dr.called_mw[s:e, 0].sum() * dt)
        assert ev["called_mw"] == pytest.approx(m.dr.called_mw[s:e, 0].mean())
        assert ev["metered_mwh"] == pytest.approx(load[s:e].sum() * dt)
        # the program's baseline (PJM same day 3 + 2) recomputed from the metered load
        eligible = baselines.eligible_days(m.dr.day_of_week_by_day,
                                           excluded=np.isin(np.arange(4), [c["start_step"] // 24 for c in
                                                                           m.dr.calls if c["start_step"] < s]))
        base = baselines.baseline("same_day_3_plus_2", load[:e + 3, None], eligible, event_start_step=s,
                                  event_end_step=e, dt_h=dt)
        assert ev["baseline_mwh"] == pytest.approx(base.baseline_mw.sum() * dt)
        assert ev["response_mwh"] == pytest.approx(np.maximum(base.baseline_mw[:, 0] - load[s:e], 0).sum() * dt)
        part = ev["participants"]["dc_hohhot"]
        assert part["aggregator_id"] == "vpp" and part["response_mwh"] == pytest.approx(ev["response_mwh"])
        committed = 2.0 if key == "p#1" else 6.0  # the bid decided at step 24 holds for the later calls
        assert ev["committed_mw"] == committed and part["committed_mw"] == committed
        program = m.scenario.demand_response.programs[0]
        short = max(committed * 3 - ev["response_mwh"], 0.0)
        assert ev["shortfall_mwh"] == pytest.approx(short)
        assert ev["penalty_cny"] == pytest.approx(program.penalty_cny_per_mwh_short * short)
        paid = min(ev["response_mwh"], committed * 3)
        assert ev["payment_cny"] == pytest.approx(program.energy_payment_cny_per_mwh * paid)
        agg = ev["aggregators"]["vpp"]
        assert agg["fee_cny"] == pytest.approx(0.2 * ev["payment_cny"])
        assert part["net_cny"] == pytest.approx(ev["payment_cny"] - part["fee_cny"] - part["penalty_cny"])
    assert any(ev["penalty_cny"] > 0 for ev in k["events"].values())  # the 6-MW bid falls short
    parties = k["parties"]
    assert sum(p["net_cny"] for p in parties.values()) == pytest.approx(0.0, abs=1e-6)
    ledger_net = {}
    for li in m.dr.ledger:
        ledger_net[li.payee] = ledger_net.get(li.payee, 0.0) + li.amount_cny
        ledger_net[li.payer] = ledger_net.get(li.payer, 0.0) - li.amount_cny
    assert {p: v["net_cny"] for p, v in parties.items()} == pytest.approx(ledger_net)
    prog = k["programs"]["p"]
    assert prog["events_count"] == 3
    assert prog["response_mwh"] == pytest.approx(sum(ev["response_mwh"] for ev in k["events"].values()))


def test_every_dr_kpi_key_has_a_unit_and_is_documented(dr_run):
    kpis = dr_run.kpis()
    names = units.kpi_names({"demand_response": kpis["demand_response"]})
    assert {"called_mw", "baseline_mwh", "response_mwh", "payment_cny", "penalty_cny", "is_measured"} <= names
    assert sorted(n for n in names if n not in units.units_for(names)) == []
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("### Demand response (`kpis.json`"):text.index("## Assumptions and limits")]
    keys = set()

    def walk(block):
        for key, value in block.items():
            if isinstance(value, dict):
                if key not in kpis["demand_response"]["events"] and key not in ("p", "vpp", "dc_hohhot",
                                                                                 "grid_operator"):
                    keys.add(key)
                walk(value)
            else:
                keys.add(key)

    walk(kpis["demand_response"])
    missing = sorted(key for key in keys if f"`{key}`" not in section)
    assert not missing, f"DR KPI keys not documented in docs/model.md: {missing}"
    assert "demand_response" not in RegionModel(validate_scenario(_doc() | {"demand_response": {}})).kpis()


def test_summer_peak_dr_kpis_show_the_event_peak_lowered_by_the_measured_response():
    """shanghai_summer_peak.json, Lingang DR-committed (tests/model/test_dc_strategies.py ``peak_doc``): each
    event's measured response covers the 23 MW called, the members' peak over the event falls by about the mean
    response, the program pays in full and charges no penalty; without the strategy the shortfall is penalised.
    Measured: events #1 (3 h) / #2 (4 h) respond 26.8 / 27.0 MW, peak −28.1 / −26.9 MW, paid 207,000 / 276,000
    CNY; strategy none: 1.3 / 1.6 MW, penalties 65,130 / 85,514 CNY."""
    from tests.model.test_dc_strategies import run_peak

    dr, none = run_peak("dr").kpis()["demand_response"], run_peak("none").kpis()["demand_response"]
    program = run_peak("dr").scenario.demand_response.programs[0]
    assert list(dr["events"]) == ["sh-dr-peak#1", "sh-dr-peak#2"]
    for ev in dr["events"].values():
        assert ev["is_measured"] and ev["called_mw"] == pytest.approx(23.0)
        assert ev["mean_response_mw"] >= ev["called_mw"]
        assert ev["peak_reduction_mw"] == pytest.approx(ev["mean_response_mw"], rel=0.1)
        committed_mwh = ev["committed_mw"] * ev["duration_h"]
        assert ev["payment_cny"] == pytest.approx(program.energy_payment_cny_per_mwh * committed_mwh)
        assert ev["penalty_cny"] == 0.0 and ev["shortfall_mwh"] == 0.0
        assert len(ev["participants"]) == 21
    for ev in none["events"].values():
        assert ev["mean_response_mw"] < 0.1 * ev["called_mw"]
        assert ev["penalty_cny"] == pytest.approx(program.penalty_cny_per_mwh_short * ev["shortfall_mwh"])
    assert dr["programs"]["sh-dr-peak"]["payment_cny"] > 10 * none["programs"]["sh-dr-peak"]["payment_cny"]
