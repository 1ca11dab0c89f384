"""Preallocated recording of region and per-agent series: numpy arrays [steps] and [steps, agents of a type].

Quantities computed for the whole horizon at build time (e.g. IT power, PUE) are registered as *static*
views of the precomputed arrays (no copy); quantities decided step by step are *dynamic* arrays the step
writes into. Only dynamic arrays go into checkpoints; static ones are rebuilt deterministically.
"""

from __future__ import annotations

import numpy as np


class Recorder:
    """Series of one run: ``region[name]`` [steps] and ``agents[kind][name]`` [steps, n_kind]."""

    def __init__(self, total_steps: int):
        self.total_steps = total_steps
        self.region: dict[str, np.ndarray] = {}
        self.agents: dict[str, dict[str, np.ndarray]] = {}
        self.columns: dict[tuple[str, str], list[str]] = {}  # (kind, name) -> agent ids of the columns
        self._dynamic: set[tuple[str, str]] = set()
        self.derived: dict[tuple[str, str], object] = {}  # (kind, name) -> fn(start, stop) -> [stop-start, n]

    def region_quantity(self, name: str) -> np.ndarray:
        """Allocate a dynamic region series (zeros) and return it."""
        arr = np.zeros(self.total_steps)
        self.region[name] = arr
        self._dynamic.add(("region", name))
        return arr

    def agent_quantity(self, kind: str, name: str, ids: list[str], static: np.ndarray | None = None) -> np.ndarray:
        """Register a per-agent series of ``kind`` with one column per id: dynamic (zeros) or static ([steps, n])."""
        n = len(ids)
        if static is not None:
            if static.shape != (self.total_steps, n):
                raise ValueError(f"{kind}.{name}: static series has shape {static.shape}")
            arr = static
        else:
            arr = np.zeros((self.total_steps, n))
            self._dynamic.add((kind, name))
        self.agents.setdefault(kind, {})[name] = arr
        self.columns[(kind, name)] = list(ids)
        return arr

    def derived_quantity(self, kind: str, name: str, ids: list[str], fn) -> None:
        """Register a per-agent series computed on demand by ``fn(start, stop)`` → [stop − start, len(ids)]
        (e.g. PUE = facility / IT) so that large fleets do not keep every derived array in memory."""
        self.derived[(kind, name)] = fn
        self.columns[(kind, name)] = list(ids)

    def dynamic_arrays(self, stop: int) -> dict[str, np.ndarray]:
        """The dynamic arrays up to step ``stop`` keyed "region/name" or "kind/name" (for checkpoints)."""
        out = {}
        for kind, name in sorted(self._dynamic):
            arr = self.region[name] if kind == "region" else self.agents[kind][name]
            out[f"{kind}/{name}"] = arr[:stop]
        return out

    def restore_dynamic(self, arrays: dict[str, np.ndarray]) -> None:
        """Write checkpointed dynamic arrays back (inverse of dynamic_arrays)."""
        for key, value in arrays.items():
            kind, name = key.split("/", 1)
            target = self.region[name] if kind == "region" else self.agents[kind][name]
            target[: value.shape[0]] = value

    def column_count(self) -> int:
        """Number of value columns of ``table_columns`` (region quantities + one per agent and quantity)."""
        return len(self.region) + sum(len(ids) for ids in self.columns.values())

    def table_columns(self, stop: int, start: int = 0) -> dict[str, np.ndarray]:
        """Flat columns for steps [start, stop): "region.<name>" and "<agent id>.<name>"."""
        cols: dict[str, np.ndarray] = {f"region.{k}": v[start:stop] for k, v in self.region.items()}
        for kind, quantities in self.agents.items():
            for name, arr in quantities.items():
                for j, agent_id in enumerate(self.columns[(kind, name)]):
                    cols[f"{agent_id}.{name}"] = arr[start:stop, j]
        for (kind, name), fn in self.derived.items():
            arr = fn(start, stop)
            for j, agent_id in enumerate(self.columns[(kind, name)]):
                cols[f"{agent_id}.{name}"] = arr[:, j]
        return cols


PARQUET_ROW_GROUP_BYTES = 64 * 2**20  # one row group per ~64 MB of float64 columns: bounded memory, few groups
PARQUET_MIN_ROW_GROUP_STEPS = 24
PROVENANCE_PACKAGES = ("mesa", "numpy", "pandas", "scipy", "pvlib", "windpowerlib", "pydantic", "pyarrow")


def package_versions() -> dict[str, str]:
    """Versions of the packages that determine the numbers of a run (for run provenance)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in PROVENANCE_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    import sys

    out["python"] = sys.version.split()[0]
    return out


def parquet_chunk_steps(n_columns: int, budget_bytes: int | None = None) -> int:
    """Steps per Parquet row group so that one group of ``n_columns`` float64 columns stays within
    ``budget_bytes`` (memory of the table being written) — a Shanghai year (≈ 1,600 columns) is two groups, a
    national fleet many. Fewer, larger groups are what makes the file cheap to write (per-column-chunk cost)."""
    budget = PARQUET_ROW_GROUP_BYTES if budget_bytes is None else budget_bytes
    return max(PARQUET_MIN_ROW_GROUP_STEPS, budget // (8 * max(int(n_columns), 1)))


def write_results(model, out_dir, kpis: dict | None = None) -> dict[str, str]:
    """Write ``kpis.json`` (KPIs + provenance) and ``series.parquet`` (every completed step) to ``out_dir``.

    ``kpis``: the run's ``model.kpis()`` when the caller already has them (computed once per run). Float
    columns are written without dictionary encoding (measured values rarely repeat: it only costs time) and
    zstd-compressed, in row groups sized by ``parquet_chunk_steps``.
    """
    import json
    from pathlib import Path

    import pyarrow.parquet as pq

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kpis_path = out / "kpis.json"
    series_path = out / "series.parquet"
    doc = dict(model.kpis() if kpis is None else kpis)
    doc["provenance"] = {"scenario": model.scenario.name, "seed": model.seed, "steps": model.step_index,
                         "dt_h": model.dt_h, "package_versions": package_versions(),
                         # people's decisions (agents.decisions; a multi-region model's of every region and
                         # its migration's, agents.multi_region_decisions)
                         "decisions": list(getattr(model.decisions, "all_applied", model.decisions.applied))
                         if hasattr(model, "decisions") else []}
    kpis_path.write_text(json.dumps(doc, indent=2, allow_nan=False), encoding="utf-8")
    stop = model.step_index
    chunk = parquet_chunk_steps(model.recorder.column_count())
    first = model.series_table(0, min(stop, chunk))
    with pq.ParquetWriter(series_path, first.schema, compression="zstd", use_dictionary=False) as writer:
        writer.write_table(first, row_group_size=chunk)
        for start in range(chunk, stop, chunk):
            writer.write_table(model.series_table(start, min(stop, start + chunk)), row_group_size=chunk)
    return {"kpis": str(kpis_path), "series": str(series_path)}
