"""Read side of sweeps: a user's sweeps, the public JSON of one, its results table (mean ± std across seeds)."""
from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from . import sweep_grid
from .models import Sweep, SweepPoint

SWEEP_LIST_FIELDS = ("id", "owner", "scenario", "name", "mode", "params", "seeds", "kpis", "points", "total_runs",
                     "status", "error", "created_at", "started_at", "finished_at")


def sweep_get_for_user(user, sweep_id, *, defer: tuple[str, ...] = ()) -> Sweep:
    """The user's sweep; ``Http404`` for unknown or malformed ids and for other users' sweeps."""
    if user is None or not user.is_authenticated:
        raise Http404("sweep not found")
    try:
        return Sweep.objects.defer(*defer).get(pk=sweep_id, owner=user)
    except (Sweep.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("sweep not found") from None


def sweeps_for_user(user):
    return Sweep.objects.filter(owner=user).only(*SWEEP_LIST_FIELDS)


def sweep_links(sweep_id) -> dict[str, str]:
    sid = str(sweep_id)
    return {
        "self": reverse("api-sweep-detail", args=[sid]),
        "results": reverse("api-sweep-results", args=[sid]),
        "csv": reverse("api-sweep-results-csv", args=[sid]),
        "parquet": reverse("api-sweep-results-parquet", args=[sid]),
        "cancel": reverse("api-sweep-cancel", args=[sid]),
        "stream": f"/ws/sweeps/{sid}/",
        "page": reverse("sweep-detail", args=[sid]),
    }


def sweep_public(sweep: Sweep, progress: dict | None = None) -> dict:
    """The JSON of a sweep in the API, the pages and the stream (docs/sweeps.md)."""
    from .sweep_services import sweep_progress

    return {
        "id": str(sweep.pk),
        "name": sweep.name,
        "scenario_id": sweep.scenario_id,
        "status": sweep.status,
        "mode": sweep.mode,
        "params": [{"path": p["path"], "values": p["values"], "base": p.get("base")} for p in sweep.params],
        "seeds": list(sweep.seeds),
        "kpis": list(sweep.kpis),
        "points": sweep.points,
        "total_runs": sweep.total_runs,
        "progress": progress if progress is not None else sweep_progress(sweep.pk),
        "error": sweep.error,
        "created_at": sweep.created_at.isoformat() if sweep.created_at else None,
        "started_at": sweep.started_at.isoformat() if sweep.started_at else None,
        "finished_at": sweep.finished_at.isoformat() if sweep.finished_at else None,
        "links": sweep_links(sweep.pk),
    }


def _point_rows(sweep: Sweep):
    return list(SweepPoint.objects.filter(sweep=sweep).order_by("point", "seed").values(
        "point", "seed", "values", "varied", "status", "metrics", "error", "attempts"))


def sweep_results(sweep: Sweep) -> dict:
    """One row per point: its parameter values, seeds, and mean / std / n of each selected KPI over the seeds
    that succeeded; ``url`` of the point's runs (full kpis per seed)."""
    rows = _point_rows(sweep)
    names = sweep_grid.metric_names(r["metrics"] for r in rows if r["status"] == SweepPoint.Status.SUCCEEDED)
    if sweep.kpis:
        names = list(sweep.kpis)
    by_point: dict[int, list[dict]] = {}
    for r in rows:
        by_point.setdefault(r["point"], []).append(r)
    table = []
    for point, runs in sorted(by_point.items()):
        ok = [r for r in runs if r["status"] == SweepPoint.Status.SUCCEEDED]
        stats = {name: sweep_grid.aggregate((r["metrics"] or {}).get(name) for r in ok) for name in names}
        table.append({
            "point": point,
            "params": runs[0]["values"],
            "varied": runs[0]["varied"] or None,
            "seeds": [r["seed"] for r in runs],
            "status": _point_status(runs),
            "succeeded": len(ok),
            "failed": sum(r["status"] == SweepPoint.Status.FAILED for r in runs),
            "errors": [r["error"] for r in runs if r["error"]][:3],
            "n": {k: v[0] for k, v in stats.items()},
            "mean": {k: v[1] for k, v in stats.items()},
            "std": {k: v[2] for k, v in stats.items()},
            "url": reverse("api-sweep-point", args=[str(sweep.pk), point]),
        })
    return {
        "sweep": str(sweep.pk),
        "status": sweep.status,
        "complete": sweep.status in Sweep.FINISHED,
        "mode": sweep.mode,
        "params": [p["path"] for p in sweep.params],
        "base": {p["path"]: p.get("base") for p in sweep.params},
        "kpis": names,
        "units": _units(names),
        "rows": table,
    }


def _point_status(runs: list[dict]) -> str:
    statuses = {r["status"] for r in runs}
    for s in ("running", "queued", "failed", "cancelled"):
        if s in statuses:
            return s
    return "succeeded"


def _units(names: list[str]) -> dict[str, dict[str, str]]:
    from agents import units

    out = {}
    for name in names:
        try:
            q = units.unit_of(name.rsplit(".", 1)[-1])
            out[name] = {"unit": q.unit, "kind": q.kind}
        except KeyError:
            out[name] = {"unit": "", "kind": ""}
    return out


def sweep_point_detail(sweep: Sweep, point: int) -> dict:
    runs = list(SweepPoint.objects.filter(sweep=sweep, point=point).order_by("seed"))
    if not runs:
        raise Http404("no such point")
    return {
        "sweep": str(sweep.pk),
        "point": point,
        "params": runs[0].values,
        "varied": runs[0].varied or None,
        "run_url": reverse("api-sweep-point-run", args=[str(sweep.pk), point]),
        "runs": [{"seed": r.seed, "status": r.status, "attempts": r.attempts, "error": r.error,
                  "compute_s": r.compute_s, "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                  "metrics": r.metrics, "kpis": r.kpis} for r in runs],
    }


def point_scenario(sweep: Sweep, point: int) -> dict:
    """The scenario document of one point (the base with the point's values)."""
    row = SweepPoint.objects.filter(sweep=sweep, point=point).values("values").first()
    if row is None:
        raise Http404("no such point")
    return sweep_grid.point_document(sweep.base_snapshot, sweep.params, row["values"])


def results_table(sweep: Sweep, per: str = "point"):
    """The results as a pyarrow Table: ``per="point"`` one line per point with ``<kpi>_mean``, ``<kpi>_std``,
    ``<kpi>_n``; ``per="run"`` one line per (point, seed) with each KPI's value."""
    import pyarrow as pa

    results = sweep_results(sweep)
    params, names = results["params"], results["kpis"]
    cols: dict[str, list] = {"point": []}
    for p in params:
        cols[f"param:{p}"] = []
    if per == "run":
        cols.update({"seed": [], "status": []})
        for name in names:
            cols[name] = []
        for r in _point_rows(sweep):
            cols["point"].append(r["point"])
            for p in params:
                cols[f"param:{p}"].append(_scalar(r["values"].get(p)))
            cols["seed"].append(r["seed"])
            cols["status"].append(r["status"])
            for name in names:
                cols[name].append((r["metrics"] or {}).get(name))
    else:
        cols.update({"varied": [], "status": [], "succeeded": [], "failed": []})
        for name in names:
            cols[f"{name}_mean"], cols[f"{name}_std"], cols[f"{name}_n"] = [], [], []
        for row in results["rows"]:
            cols["point"].append(row["point"])
            for p in params:
                cols[f"param:{p}"].append(_scalar(row["params"].get(p)))
            for key in ("varied", "status", "succeeded", "failed"):
                cols[key].append(row[key])
            for name in names:
                cols[f"{name}_mean"].append(row["mean"][name])
                cols[f"{name}_std"].append(row["std"][name])
                cols[f"{name}_n"].append(row["n"][name])
    arrays = {}
    for key, values in cols.items():
        if key.startswith("param:") and len({type(v) for v in values if v is not None}) > 1:
            values = [None if v is None else str(v) for v in values]  # mixed types: one text column
        if key.endswith(("_mean", "_std")) or key in names:
            arrays[key] = pa.array(values, type=pa.float64())
        else:
            arrays[key] = pa.array(values)
    return pa.table(arrays)


def _scalar(value):
    import json

    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def table_csv(table) -> bytes:
    import pyarrow.csv as pacsv

    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer)
    return buffer.getvalue()


def table_parquet(table) -> bytes:
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()
