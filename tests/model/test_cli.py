"""`python -m agents` and `manage.py simulate`: outputs, --json, exit codes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from agents.cli import main

from .helpers import TINY

ROOT = Path(__file__).resolve().parents[2]


def test_cli_writes_kpis_and_series(tmp_path, capsys):
    assert main([str(TINY), "--out", str(tmp_path), "--steps", "12"]) == 0
    out = capsys.readouterr().out
    assert "pue" in out and "dc_hohhot" in out
    kpis = json.loads((tmp_path / "kpis.json").read_text())
    assert kpis["region"]["steps"] == 12
    assert kpis["provenance"]["package_versions"]["mesa"]
    table = pq.read_table(tmp_path / "series.parquet")
    assert table.num_rows == 12
    assert "dc_hohhot.it_power_mw" in table.column_names and "region.load_mw" in table.column_names


def test_cli_json_prints_only_kpis(tmp_path, capsys):
    assert main([str(TINY), "--out", str(tmp_path), "--steps", "6", "--seed", "5", "--json"]) == 0
    kpis = json.loads(capsys.readouterr().out)
    assert set(kpis) >= {"region", "agents", "contracts"}
    assert kpis["provenance"]["seed"] == 5


def test_cli_exit_2_with_field_errors_and_no_traceback(tmp_path):
    doc = json.loads(TINY.read_text())
    doc["actors"][1]["it_capacity_mw"] = -1
    doc["horizon"]["dt_h"] = 2
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    proc = subprocess.run([sys.executable, "-m", "agents", str(bad), "--out", str(tmp_path / "o")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "actors.1.it_capacity_mw" in proc.stderr and "horizon.dt_h" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "o").exists()


def test_cli_missing_file_and_bad_arguments_exit_2(tmp_path):
    assert main([str(tmp_path / "nope.json"), "--out", str(tmp_path)]) == 2
    assert main([str(TINY)]) == 2  # --out missing
    assert main([str(TINY), "--out", str(tmp_path), "--steps", "0"]) == 2


def test_manage_py_simulate_runs_the_same_cli(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "twin.settings"}
    proc = subprocess.run([sys.executable, "manage.py", "simulate", str(TINY), "--out", str(tmp_path), "--steps",
                           "4", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["region"]["steps"] == 4
    proc = subprocess.run([sys.executable, "manage.py", "simulate", str(tmp_path / "none.json"), "--out",
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2 and "cannot read" in proc.stderr


def test_series_parquet_written_in_chunks_equals_the_table(tmp_path, monkeypatch):
    import numpy as np

    from agents import RegionModel, load_scenario, write_results

    monkeypatch.setattr("agents.recording.PARQUET_ROW_GROUP_BYTES", 1)
    monkeypatch.setattr("agents.recording.PARQUET_MIN_ROW_GROUP_STEPS", 7)
    model = RegionModel(load_scenario(TINY))
    model.run()
    paths = write_results(model, tmp_path)
    written = pq.read_table(paths["series"])
    table = model.series_table()
    assert written.num_rows == 48 and written.column_names == table.column_names
    assert pq.ParquetFile(paths["series"]).metadata.num_row_groups == 7  # ⌈48 / 7⌉ groups of 7 steps
    assert all(np.array_equal(written.column(c).to_numpy(), table.column(c).to_numpy()) for c in table.column_names)


def test_parquet_row_groups_are_sized_by_bytes():
    from agents.recording import PARQUET_ROW_GROUP_BYTES, parquet_chunk_steps

    assert parquet_chunk_steps(1600) == PARQUET_ROW_GROUP_BYTES // (8 * 1600)  # a Shanghai year: 2 groups
    assert parquet_chunk_steps(10**9) == 24  # never fewer steps than a day
