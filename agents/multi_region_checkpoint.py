"""Checkpoints of a MultiRegionModel: every region's checkpoint (agents.checkpoint) and the coordinator's moves.

One ``.npz`` (allow_pickle=False): a JSON header (format, scenario digest, seed, step index, the coordinator's
RNG state, the migration decisions applied so far — agents.multi_region_decisions), each region's own
checkpoint bytes (with its own applied decisions) (``region:<id>``), the moved work per link ``moved_mw`` and each
region's IT power moved into / out of its data centers ``migrated:<id>`` (steps up to the end of the current
day: the day's moves are decided at its first step). Restoring rebuilds the model, restores each region and
re-applies the moves day by day after the region's own day plans are replayed (the same operations on the same
slices as in the run), so the run continues bit-identically.
"""

from __future__ import annotations

import io
import json

import numpy as np

from agents.checkpoint import checkpoint_dumps, restore_state, scenario_digest

FORMAT = "twin-multi-region-checkpoint/1"


def multi_region_checkpoint_dumps(model) -> bytes:
    """Serialise a MultiRegionModel (module docstring) to npz bytes."""
    model.settle()
    day_end = min(model.total_steps, -(-model.step_index // model.steps_per_day) * model.steps_per_day)
    header = {"format": FORMAT, "scenario_sha256": scenario_digest(model.scenario), "seed": model.seed,
              "step_index": model.step_index, "mesa_steps": model.steps, "day_end": day_end,
              "rng_state": model.rng.bit_generator.state,
              "migration_decisions": model.decisions.applied}  # people's migration decisions applied so far
    arrays = {f"region:{rid}": np.frombuffer(checkpoint_dumps(m), dtype=np.uint8) for rid, m in model.models.items()}
    arrays["moved_mw"] = np.ascontiguousarray(model.moved_mw[:day_end])
    if model.migration_active:
        for rid, m in model.models.items():
            arrays[f"migrated:{rid}"] = np.ascontiguousarray(m.dcs.it_migrated_mw[:day_end])
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def multi_region_checkpoint_loads(scenario, blob: bytes):
    """Rebuild the MultiRegionModel of ``scenario`` and restore the state saved in ``blob``."""
    from agents.checkpoint import FORMAT as REGION_FORMAT
    from agents.multi_region import MultiRegionModel

    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        header = json.loads(bytes(data["header"]).decode())
        if header.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} checkpoint")
        if header["scenario_sha256"] != scenario_digest(scenario):
            raise ValueError("checkpoint was made from a different scenario")
        model = MultiRegionModel(scenario, seed=header["seed"])
        day_end = int(header["day_end"])
        model.moved_mw[:day_end] = data["moved_mw"]
        spd = model.steps_per_day
        for rid, m in model.models.items():
            migrated = np.array(data[f"migrated:{rid}"]) if model.migration_active else None

            def reapply(start, stop, m=m, migrated=migrated) -> None:  # a day's moves, after its plan (as in the run)
                if migrated is None:
                    return
                for a in range(start - start % spd, min(stop, day_end), spd):
                    z = min(a + spd, day_end)
                    delta = migrated[a:z]
                    members = np.flatnonzero(np.any(delta != 0.0, axis=0))
                    if members.size:
                        m.dcs.apply_migration(a, z, members, delta[:, members])

            with np.load(io.BytesIO(bytes(data[f"region:{rid}"])), allow_pickle=False) as region_data:
                region_header = json.loads(bytes(region_data["header"]).decode())
                if region_header.get("format") != REGION_FORMAT:
                    raise ValueError(f"region {rid!r}: not a {REGION_FORMAT} checkpoint")
                restore_state(m, region_data, region_header, after_replay=reapply)
    model.decisions.restore(header.get("migration_decisions", []))  # the regions replayed their own decisions
    model.step_index = int(header["step_index"])
    model.steps = int(header["mesa_steps"])
    model.rng.bit_generator.state = header["rng_state"]
    model.running = model.step_index < model.total_steps
    return model
