"""The run budget (agents/budget.py): refused shapes, the setting, and measured memory within the estimate."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from agents import ScenarioValidationError, validate_scenario
from agents.budget import BUDGET_ENV, DEFAULT_BUDGET_BYTES, budget_errors, run_cost, run_cost_bytes
from agents.cli import main

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
import shapes  # noqa: E402


def test_the_19000_actor_quarter_hour_year_is_refused_with_a_field_error_naming_the_budget():
    doc = shapes.finding_19000_actors()
    assert 1.9e6 < len(json.dumps(doc)) < 2.1e6  # the finding's 1.99 MB document
    with pytest.raises(ScenarioValidationError) as caught:
        validate_scenario(doc)
    (error,) = caught.value.errors
    assert error["loc"] == "actors"
    assert BUDGET_ENV in error["msg"] and "3 GB" in error["msg"] and str(DEFAULT_BUDGET_BYTES) in error["msg"]
    assert "estimated 98.2 GB" in error["msg"] and "at most 412 steps" in error["msg"]


def test_a_long_horizon_of_few_actors_names_the_steps():
    doc = shapes.tiny(70_272)
    doc["horizon"]["dt_h"] = 0.25
    scenario = validate_scenario(doc)
    (error,) = budget_errors(scenario, limit_bytes=100_000_000)
    assert error["loc"] == "horizon.steps" and "100 MB" in error["msg"]


def test_the_budget_is_read_from_the_environment(monkeypatch):
    doc = shapes.fleet(2000, plain_dcs=10)
    validate_scenario(doc)  # fits the default
    monkeypatch.setenv(BUDGET_ENV, "20000000")
    with pytest.raises(ScenarioValidationError) as caught:
        validate_scenario(doc)
    assert "20 MB" in caught.value.errors[0]["msg"]


def test_every_fixture_fits_the_default_budget():
    for path in sorted((ROOT / "fixtures" / "scenarios").glob("*.json")):
        validate_scenario(json.loads(path.read_text()))


def test_cost_grows_with_steps_actors_and_sweep_points():
    small = validate_scenario(shapes.fleet(100, plain_dcs=1))
    longer = validate_scenario(shapes.fleet(200, plain_dcs=1))
    wider = validate_scenario(shapes.fleet(100, plain_dcs=5))
    assert run_cost_bytes(longer) > run_cost_bytes(small) and run_cost_bytes(wider) > run_cost_bytes(small)
    assert run_cost_bytes(small, sweep_points=4) == 4 * run_cost_bytes(small)


def test_the_cli_refuses_an_over_budget_scenario(tmp_path, capsys):
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(shapes.finding_19000_actors()))
    assert main([str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "actors: run budget exceeded" in err and BUDGET_ENV in err
    assert not (tmp_path / "out").exists()


# --- measured memory -----------------------------------------------------------------------------------------

MEASURE = r"""
import json, sys, tempfile, threading, time
from agents import RegionModel, checkpoint_dumps, validate_scenario, write_results

def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096

def run(doc):
    model = RegionModel(validate_scenario(doc), seed=1)
    model.run()
    checkpoint_dumps(model)            # as a worker checkpoints
    model.kpis()
    json.dumps(model.region_frame(0, model.step_index))  # as run_finish stores the region series
    with tempfile.TemporaryDirectory() as out:
        write_results(model, out)      # kpis.json + series.parquet

docs = json.loads(sys.stdin.read())
run(docs["warm"])                      # import-time caches (pvlib, turbine library) are not the run's
baseline = peak = rss_bytes()
done = threading.Event()
def sample():
    global peak
    while not done.is_set():
        peak = max(peak, rss_bytes())
        time.sleep(0.002)
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
run(docs["run"])
done.set(); sampler.join()
print(json.dumps({"baseline": baseline, "peak": peak}))
"""

MARGIN = 1.0  # the estimate itself is the bound: measured peak ≤ estimate (coefficients carry the margin)


def measured_peak_bytes(doc: dict) -> int:
    """Resident memory a run of ``doc`` adds to a warmed-up interpreter (sampled every 2 ms), in a subprocess."""
    out = subprocess.run([sys.executable, "-c", MEASURE], input=json.dumps({"warm": shapes.fleet(48, full_dcs=1),
                                                                              "run": doc}),
                         capture_output=True, text=True, cwd=ROOT, timeout=300, check=True)
    rss = json.loads(out.stdout.strip().splitlines()[-1])
    return rss["peak"] - rss["baseline"]


@pytest.mark.parametrize("shape", [
    {"plain_dcs": 300},
    {"full_dcs": 120},
    {"plants": 150, "winds": 150},
    {"utilities": 60, "full_dcs": 20},
])
def test_a_runs_measured_memory_stays_within_its_budget(shape):
    doc = shapes.fleet(2000, **shape)
    cost = run_cost(validate_scenario(doc))
    measured = measured_peak_bytes(doc)
    assert measured <= cost.total_bytes * MARGIN, (shape, measured, cost)
    # and the estimate is an upper bound, not a wild one: the per-step part is within 3× of what was measured
    assert cost.region_bytes + cost.actor_bytes <= 3 * measured, (shape, measured, cost)


@pytest.mark.slow
def test_the_national_year_fits_the_default_budget_and_stays_within_its_estimate():
    """The 3,001-agent national twin of benchmarks/model.py (a full hourly year): ~40 s."""
    from fixtures.generate import national

    doc = {"schema_version": 1, **national()}
    cost = run_cost(validate_scenario(doc))  # fits the default budget
    measured = measured_peak_bytes(doc)
    assert measured <= cost.total_bytes and cost.region_bytes + cost.actor_bytes <= 3 * measured, (measured, cost)
