"""Scenario helpers for model tests: the tiny fixture and variations of it."""

import copy
import json
from pathlib import Path

TINY = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "_tiny.json"


def tiny_doc() -> dict:
    return json.loads(TINY.read_text(encoding="utf-8"))


def variant(**changes) -> dict:
    """The tiny document with dotted-path changes, e.g. variant(**{"horizon.steps": 24})."""
    doc = copy.deepcopy(tiny_doc())
    for path, value in changes.items():
        node = doc
        keys = path.split(".")
        for key in keys[:-1]:
            node = node[int(key)] if isinstance(node, list) else node[key]
        last = keys[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return doc
