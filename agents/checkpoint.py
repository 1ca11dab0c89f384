"""Checkpoints: the dynamic state of a RegionModel in an ``.npz`` (allow_pickle=False) with a JSON header.

Stored: step index, model RNG bit-generator state, battery state of charge, backup generators' run state, the
offer book's accepted offers and the dynamic recorder arrays up to the step (the published real-time signals
are read from them). Everything else is rebuilt from the scenario (precompute is deterministic) and the day
plans made in the loop are replayed with people's decisions at their steps (DR calls, data-center workloads,
heat utilities, the current day's storage schedules; agents.decisions.DecisionBook.replay), so
``checkpoint_loads(scenario, checkpoint_dumps(model))`` continues bit-identically to an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import io
import json

import numpy as np

FORMAT = "twin-checkpoint/1"


# Display-only fields (the Chinese names of agents/scenario.py): no result depends on them, so they are left out of
# the digest: editing them keeps a checkpoint valid, and checkpoints made before they existed still load.
_DISPLAY_ONLY = {"name_zh": True, "description_zh": True, "actors": {"__all__": {"name_zh"}},
                 "regions": {"__all__": {"actors": {"__all__": {"name_zh"}}}}, "links": {"__all__": {"name_zh"}}}


def scenario_digest(scenario) -> str:
    """SHA-256 of the scenario document (canonical JSON, without its display-only names)."""
    return hashlib.sha256(scenario.model_dump_json(exclude=_DISPLAY_ONLY).encode()).hexdigest()


def checkpoint_dumps(model) -> bytes:
    """Serialise the dynamic state of ``model`` (see module docstring) to npz bytes (a MultiRegionModel: every
    region's checkpoint and the coordinator's moves, agents.multi_region_checkpoint)."""
    if hasattr(model, "models"):
        from agents.multi_region_checkpoint import multi_region_checkpoint_dumps

        return multi_region_checkpoint_dumps(model)
    model.settle()
    header = {
        "format": FORMAT,
        "scenario_sha256": scenario_digest(model.scenario),
        "seed": model.seed,
        "step_index": model.step_index,
        "mesa_steps": model.steps,
        "rng_state": model.rng.bit_generator.state,
        "storage_pool": list(model._pool),
        "decisions": model.decisions.applied,  # people's decisions applied so far (agents.decisions)
    }
    arrays = {f"rec:{k}": np.ascontiguousarray(v) for k, v in model.recorder.dynamic_arrays(model.step_index).items()}
    arrays["state:soc_mwh"] = np.asarray(model.storage.soc_mwh, dtype=float)
    arrays["state:backup"] = model.dcs.backup.state_array()  # generators' run state (agents.actors.dc_backup)
    arrays["state:accepted_mw"] = np.ascontiguousarray(model.accepted_mw[: model.step_index])
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def checkpoint_loads(scenario, blob: bytes):
    """Rebuild the model of ``scenario`` and restore the state saved in ``blob``; returns the RegionModel (or the
    MultiRegionModel of a multi-region scenario, agents.multi_region_checkpoint)."""
    from agents.model import RegionModel

    if hasattr(scenario, "regions"):
        from agents.multi_region_checkpoint import multi_region_checkpoint_loads

        return multi_region_checkpoint_loads(scenario, blob)
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        header = json.loads(bytes(data["header"]).decode())
        if header.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} checkpoint")
        if header["scenario_sha256"] != scenario_digest(scenario):
            raise ValueError("checkpoint was made from a different scenario")
        model = RegionModel(scenario, seed=header["seed"])
        restore_state(model, data, header)
    return model


def restore_state(model, data, header: dict, after_replay=None) -> None:
    """Restore a checkpoint's state (``data``: the opened npz, ``header`` its JSON header) into a freshly built
    ``model`` of the same scenario and seed. ``after_replay(a, z)``: called after the data centers' plan of each
    replayed day [a, z), before the heat utilities' (a multi-region coordinator re-applies that day's moves)."""
    model.recorder.restore_dynamic({k[4:]: data[k] for k in data.files if k.startswith("rec:")})
    model.storage.soc_mwh = np.array(data["state:soc_mwh"], dtype=float)
    accepted = data["state:accepted_mw"]
    model.accepted_mw[: accepted.shape[0]] = accepted
    model.step_index = int(header["step_index"])
    model.steps = int(header["mesa_steps"])
    model._settled = model.step_index
    model._pool = [float(x) for x in header["storage_pool"]]
    model.rng.bit_generator.state = header["rng_state"]
    # DR calls, DC day plans (and a multi-region coordinator's moves of each day), heat plans and the current
    # day's storage schedules before the checkpoint, with people's decisions re-applied at their steps, in the
    # run's order (agents.decisions.DecisionBook.replay)
    model.decisions.replay(header.get("decisions", []), model.step_index, after_day=after_replay)
    if "state:backup" in data.files:  # after the replay: a backup decision re-applied there may re-derive the state
        model.dcs.backup.restore(data["state:backup"])
    model.outages.reapply(model.step_index)  # grid-outage steps on the replayed plans (agents.outages)
    model.signals.advance(max(model.step_index - 1, 0))  # as after the last completed step
    if model.dr.active:
        model.dr.settle(model._settled, model.dcs.grid_power_mw)
    model.running = model.step_index < model.total_steps
