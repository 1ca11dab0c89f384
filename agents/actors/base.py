"""Shared pieces of the actors: the Mesa agent base class and the build context of a fleet.

Each actor type has a thin Mesa ``Agent`` (identity, parameters, a view of its own series) and a *fleet*
that holds the arrays of all agents of that type and runs each phase for all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np

from agents.recording import Recorder


@dataclass(frozen=True)
class BuildContext:
    """What fleets need at build time: the clock, the weather and the model RNG."""

    dt_h: float
    steps: int
    times_utc: np.ndarray  # datetime64[ns], start of each step, UTC (naive)
    local_times: np.ndarray  # datetime64[ns], naive local clock time
    hour_of_day: np.ndarray  # [h] local, fractional
    day_of_week: np.ndarray  # 0 = Monday
    weather: Any  # agents.weather.Weather
    rng: np.random.Generator
    recorder: Recorder
    pv_pu: Any  # callable(lat, lon, tilt_deg, azimuth_deg, site=None) -> [steps] PV output per unit of peak power
    weather_of: Any = None  # callable(site key or None) -> agents.weather.Weather of an actor's weather site


class Actor(mesa.Agent):
    """A thin Mesa agent: scenario parameters, its fleet and its column in the fleet's arrays."""

    kind = "actor"

    def __init__(self, model: mesa.Model, spec: Any, fleet: Any, index: int):
        super().__init__(model)
        self.spec = spec
        self.fleet = fleet
        self.index = index
        self.decided_step = -1  # step of the last activation (``decide``); −1: not activated yet
        self.strategy_kind: str | None = None

    def decide(self, t: int) -> None:
        """Activation: ``RegionModel.step`` calls it on every agent (``Fleet.activate``) at each day's first step,
        after the fleets have observed the published signals and planned the day for all their members at once. The agent takes up its part of that decision: the step it decided at and the
        strategy it follows (people's decisions may have changed it, agents.decisions). O(1) per agent: the
        plan itself stays in the fleet's arrays (``last_decision`` reads them)."""
        self.decided_step = t
        self.strategy_kind = self.fleet.strategies[self.index].kind

    @property
    def decision_state(self) -> dict[str, Any]:
        """This agent's decision state: its last activation (``decided_step``, ``strategy``) and its decisions of
        the last completed step (``last_decision``)."""
        return {"decided_step": self.decided_step, "strategy": self.strategy_kind, **self.last_decision}

    @property
    def actor_id(self) -> str:
        return self.spec.id

    @property
    def name(self) -> str:
        return self.spec.name

    def state(self, step: int) -> dict[str, float]:
        """Recorded values of this actor at a completed step (0-based)."""
        return self.fleet.agent_values(self.index, step)

    @property
    def strategy(self) -> Any:
        """This actor's strategy spec (``kind`` "none" when the scenario gives none)."""
        return self.fleet.strategies[self.index]

    @property
    def last_observation(self) -> dict[str, float]:
        """What the fleet observed for this actor at its last ``observe`` (published signals only)."""
        return self.fleet.observation_of(self.index)

    @property
    def last_decision(self) -> dict[str, float]:
        """This actor's decisions of the last completed step (its fleet's decision arrays at its column)."""
        return self.fleet.decision_of(self.index)


class Fleet:
    """All agents of one type; subclasses add phase methods working on arrays of all of them.

    Phases (``RegionModel.step`` runs each over the fleets in a fixed order, docs/model.md "Step phases"; all
    no-ops here): ``register(book)`` once at build — offer blocks in the offer book
    (agents.markets.offer_book); each step ``observe(t, signals)`` — published signals only
    (agents.signals); ``bid(t, book, signals)`` — quantities into the book; the grid operator clears;
    ``dispatch(t, book)`` — read back what was accepted, advance the state; and, vectorised over many steps,
    ``settle(start, stop, prices)`` — money and emissions (``prices``: agents.accounting.Settlement).

    Members that share a strategy are decided together: ``strategy_groups`` maps each strategy kind to the
    member indices using it (grouped once at build, agents.strategies).
    """

    kind = "actor"
    agent_class: type[Actor] = Actor
    decision_series: tuple[str, ...] = ()  # names in ``series`` that hold this fleet's step decisions

    def __init__(self, model: mesa.Model, specs: list[Any]):
        self.specs = list(specs)
        self.n = len(self.specs)
        self.ids = [s.id for s in self.specs]
        self.agents = [self.agent_class(model, s, self, i) for i, s in enumerate(self.specs)]
        self.series: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # name -> (array [T, m], agent index [m])
        from agents.strategies import group_by_strategy, strategy_of

        self.strategies = [strategy_of(s) for s in self.specs]
        self.strategy_groups = group_by_strategy(self.strategies)
        self.decisions: dict[str, tuple] = {}  # decision arrays that are not recorded series: name -> like series
        self.observed_step = -1  # step of the last observe
        self.decided_step = -1  # step of the last dispatch
        self._signals = None

    # ---- phases (no-ops by default) ---------------------------------------------------------------------------

    def register(self, book) -> None:
        """Register this fleet's offer blocks (build time)."""

    def observe(self, t: int, signals) -> None:
        """Read the published signals (agents.signals.Signals views end at what is published by step t)."""
        self.observed_step = t
        self._signals = signals

    def bid(self, t: int, book, signals) -> None:
        """Write this step's offers/bids into the book."""

    def dispatch(self, t: int, book) -> None:
        """Read back what the clearing accepted and advance this fleet's state."""
        self.decided_step = t

    def settle(self, start: int, stop: int, prices) -> None:
        """Money and emissions of steps [start, stop) (vectorised)."""

    def activate(self, t: int) -> None:
        """Activate the members' Mesa agents (``Actor.decide``) after this fleet decided for all of them (a day's
        first step). A plain loop over the agents: a third of ``AgentSet.do``'s cost (no weak references), about
        0.1 µs per agent and day."""
        for agent in self.agents:
            agent.decide(t)

    # ---- decision state read through the Mesa agents ----------------------------------------------------------

    def observation_of(self, index: int) -> dict[str, float]:
        """Signals as published at this fleet's last observe (the same for every member)."""
        if self._signals is None or self.observed_step < 0:
            return {}
        return {"step": float(self.observed_step), **self._signals.latest()}

    def decision_of(self, index: int) -> dict[str, float]:
        """The member's values of ``decision_series`` at the last dispatched step."""
        t = self.decided_step
        if t < 0:
            return {}
        out = {"step": float(t)}
        for name in self.decision_series:
            arr, members = self.decisions[name] if name in self.decisions else self.series[name]
            pos = np.flatnonzero(members == index)
            if pos.size:
                row = arr(t, t + 1)[0] if callable(arr) else arr[t]
                out[name] = float(row[pos[0]])
        return out

    def _param(self, name: str, default: float = 0.0) -> np.ndarray:
        return np.array([getattr(s, name) if getattr(s, name) is not None else default for s in self.specs],
                        dtype=float)

    def record(self, rec: Recorder, name: str, static: np.ndarray | None = None,
               members: np.ndarray | None = None) -> np.ndarray:
        """Register a per-agent series for all agents (or ``members``, indices into this fleet)."""
        members = np.arange(self.n) if members is None else np.asarray(members, dtype=int)
        arr = rec.agent_quantity(self.kind, name, [self.ids[i] for i in members], static=static)
        self.series[name] = (arr, members)
        return arr

    def derive(self, rec: Recorder, name: str, fn, members: np.ndarray | None = None) -> None:
        """Register a series computed on demand: ``fn(start, stop)`` → [stop − start, members]."""
        members = np.arange(self.n) if members is None else np.asarray(members, dtype=int)
        rec.derived_quantity(self.kind, name, [self.ids[i] for i in members], fn)
        self.series[name] = (fn, members)

    def agent_values(self, index: int, step: int) -> dict[str, float]:
        out = {}
        for name, (arr, members) in self.series.items():
            pos = np.flatnonzero(members == index)
            if pos.size:
                row = arr(step, step + 1)[0] if callable(arr) else arr[step]
                out[name] = float(row[pos[0]])
        return out

    def power_mw(self, step: int) -> np.ndarray:
        """Electric power per agent at a step: consumption positive, generation negative [MW]."""
        return np.zeros(self.n)

    def heat_mw(self, step: int) -> np.ndarray:
        """Heat per agent at a step: heat supplied to networks (producers, DC sales) [MW_th]."""
        return np.zeros(self.n)
