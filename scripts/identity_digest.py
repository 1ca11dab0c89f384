"""Digest of every fixture's results: SHA-256 of its KPIs (canonical JSON) and of every series column.

Usage: ``.venv/bin/python scripts/identity_digest.py [out.json]`` — run it on two commits and compare the
files (``--compare a.json b.json``) to show a refactor leaves the numbers bit-identical.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


VARIANTS = {  # name: (fixture, dotted-path changes) — rules and strategies the fixtures do not use
    "_tiny_pay_as_bid": ("_tiny", {"markets.clearing_rule": "pay_as_bid"}),
    "_tiny_tou_tariff": ("_tiny", {"markets.clearing_rule": "tou_tariff"}),
    "_tiny_net_load": ("_tiny", {"actors.1.battery.strategy": "net_load"}),
}


def _set(doc: dict, path: str, value) -> None:
    node = doc
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[keys[-1]] = value


def digest(doc: dict) -> dict:
    import numpy as np

    from agents import build_model, validate_scenario

    model = build_model(validate_scenario(doc))  # a RegionModel, or a MultiRegionModel for several regions
    model.run()
    kpis = json.dumps(model.kpis(), sort_keys=True, allow_nan=True)
    table = model.series_table()
    cols = {}
    for name in table.column_names:
        arr = np.ascontiguousarray(table.column(name).to_numpy())
        cols[name] = hashlib.sha256(arr.tobytes()).hexdigest()[:16]
    return {"kpis": hashlib.sha256(kpis.encode()).hexdigest(), "columns": cols,
            "co2_t": model.kpis()["region"].get("co2_t")}


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--compare":
        a, b = (json.loads(Path(p).read_text()) for p in argv[1:3])
        bad = 0
        for name in sorted(set(a) | set(b)):
            if name not in a or name not in b:
                print(f"{name}: only in one file")
                bad += 1
                continue
            diff = [c for c in set(a[name]["columns"]) | set(b[name]["columns"])
                    if a[name]["columns"].get(c) != b[name]["columns"].get(c)]
            same = a[name]["kpis"] == b[name]["kpis"] and not diff
            print(f"{name}: kpis {'identical' if a[name]['kpis'] == b[name]['kpis'] else 'DIFFER'}, "
                  f"{len(a[name]['columns'])} series columns, {len(diff)} differ {sorted(diff)[:5]}")
            bad += not same
        return 1 if bad else 0
    docs = {p.stem: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted((ROOT / "fixtures" / "scenarios").glob("*.json"))}
    for name, (base, changes) in VARIANTS.items():
        doc = json.loads(json.dumps(docs[base]))
        for path, value in changes.items():
            _set(doc, path, value)
        docs[name] = doc
    out = {name: digest(doc) for name, doc in docs.items()}
    text = json.dumps(out, indent=1, sort_keys=True)
    if argv:
        Path(argv[0]).write_text(text)
    for name, d in out.items():
        print(name, d["kpis"][:16], len(d["columns"]), "columns")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
