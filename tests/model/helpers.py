"""Helpers for model tests: the tiny fixture and variations of it; bit-identical series tables."""

import copy
import json
from pathlib import Path

import numpy as np

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


def same_tables(a, b) -> bool:
    """Two pyarrow tables with the same columns in the same order and bit-identical values in each."""
    return a.column_names == b.column_names and all(
        np.array_equal(a.column(c).to_numpy(), b.column(c).to_numpy()) for c in a.column_names)
