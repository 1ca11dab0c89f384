"""The strategy registry: one place that says which agent decides what, on which signal; docs match it."""

from pathlib import Path

from agents.scenario import ACTOR_TYPES
from agents.strategies import (
    COORDINATORS,
    REGISTRY,
    NetLoadBatteryStrategySpec,
    NoStrategySpec,
    TouBatteryStrategySpec,
    group_by_strategy,
    registry_markdown,
    strategy_kinds,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "strategies.md"


def test_docs_table_is_the_registry():
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("<!-- REGISTRY:BEGIN -->") + len("<!-- REGISTRY:BEGIN -->")
    stop = text.index("<!-- REGISTRY:END -->")
    assert text[start:stop].strip() == registry_markdown(), "regenerate the table: agents.strategies.registry_markdown()"


def test_every_actor_type_has_the_none_strategy_and_described_specs():
    assert set(REGISTRY) == set(ACTOR_TYPES) | set(COORDINATORS)  # + the multi-region coordinator (migration)
    for actor_type in (*ACTOR_TYPES, *COORDINATORS):
        assert strategy_kinds(actor_type)[0] == "none"
        for kind, row in REGISTRY[actor_type].items():
            assert row.kind == kind and row.actor_type == actor_type and row.observes and row.decides
            assert kind in row.spec.model_fields["kind"].annotation.__args__
            assert all(f.description for f in row.spec.model_fields.values())
    assert strategy_kinds("storage") == ("none", "tou", "net_load", "arbitrage", "peak_shaving", "tou_rule",
                                         "net_load_rule")


def test_members_are_grouped_by_strategy_kind_in_a_fixed_order():
    groups = group_by_strategy([TouBatteryStrategySpec(), NoStrategySpec(), NetLoadBatteryStrategySpec(),
                                TouBatteryStrategySpec()])
    assert list(groups) == ["net_load", "none", "tou"]
    assert {k: v.tolist() for k, v in groups.items()} == {"net_load": [2], "none": [1], "tou": [0, 3]}
