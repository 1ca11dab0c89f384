"""The offer book of a region's power market: named blocks of offers that fleets register, fill and read back.

A fleet registers each kind of offer it makes once, at build (``book.add("res", price=…, size=n)``): a *block*
of ``size`` offers with their prices [CNY/MWh] — static ([size]) or one vector per import-price *variant*
([variants, size], agents.markets.imports ``variant_offer_price``) — their CO2 factor [tCO2/MWh] (for the
marginal-emissions signal), whether the operator may withhold reserve from them (``dispatchable``) and whether
they are *must-take* (taken ahead of the merit order, e.g. heat-led CHP power, agents.markets.heat).
``book.open()`` lays the blocks out: by ``priority`` (the tie-break among equal prices: lower first,
registration order within a priority), so the merit order's stable sort takes equal-priced offers in that
order. Each step a fleet writes its quantities (``book.offer(block, mw)``), the grid operator clears the
book and writes ``accepted_mw[t]``, and the fleet reads back what was accepted (``book.accepted(block)``).

The accepted matrix ``accepted_mw`` [steps, offers] is the market's record (checkpoints store it);
settlement reads it per block over many steps (``book.accepted_between``).

Reserve side: a fleet that offers operating reserve registers a reserve block once
(``book.add_reserve("storage_reserve", size=m)``) and writes each step the reserve it can deliver and its
price (``book.offer_reserve(block, mw, price_cny_per_mw_h)``); the grid operator clears the requirement
against plant headroom and these offers (agents.markets.reserve) and writes the step's accepted reserve
(``book.reserve_accepted(block)``), the reserve price ``reserve_price_cny_per_mwh`` and the remaining
``reserve_shortfall_mw``. The fleets record what they were accepted (no horizon matrix here).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# tie-break priorities of the region's blocks (lower is taken first among offers at the same price)
MUST_TAKE, MUST_RUN, RENEWABLE, ON_SITE, DISPATCHABLE, IMPORT = range(6)


@dataclass
class Block:
    """A named block of offers; ``slice`` gives its columns once the book is open."""

    name: str
    size: int
    price: np.ndarray  # [size] or [variants, size] [CNY/MWh]
    co2_t_per_mwh: np.ndarray  # [size]
    dispatchable: bool
    must_take: bool
    priority: int
    order: int
    slice: slice = field(default_factory=lambda: slice(0, 0))


class OfferBook:
    """Blocks of offers over a horizon of ``steps`` (see module docstring)."""

    def __init__(self, steps: int, price_floor_cny_per_mwh: float = 0.0):
        self.steps = int(steps)
        self.price_floor_cny_per_mwh = float(price_floor_cny_per_mwh)  # price of offers that must be taken
        self.blocks: dict[str, Block] = {}
        self.is_open = False
        # the demand side of the current step: inelastic load [MW] that load-side fleets adjust in their bid
        # (the operator sets the region's fixed load, event backup and batteries change it), and the load
        # the reserve requirement is a share of [MW]
        self.demand_mw = 0.0
        self.reserve_base_mw = 0.0
        self.reserve_blocks: dict[str, slice] = {}
        self.n_reserve = 0
        self.reserve_offer_mw = np.zeros(0)  # the current step's reserve offers [MW] and prices [CNY/(MW·h)]
        self.reserve_offer_price = np.zeros(0)
        self.reserve_accepted_mw = np.zeros(0)  # what the last clearing accepted of them [MW]
        self.reserve_price_cny_per_mwh = 0.0  # [CNY per MW of reserve per hour = CNY/MWh]
        self.reserve_offered = False  # some reserve offer > 0 this step (the operator clears only then)
        self.reserve_recorded = False  # the last reserve clearing accepted something (reset when none is offered)

    # ---- build ------------------------------------------------------------------------------------------------

    def add(self, name: str, *, price, size: int | None = None, dispatchable: bool = False, must_take: bool = False,
            co2_t_per_mwh=0.0, priority: int = DISPATCHABLE) -> Block:
        """Register a block of ``size`` offers (default: the price vector's length) and return its handle."""
        if self.is_open:
            raise RuntimeError("the offer book is open: blocks are registered at build")
        if name in self.blocks:
            raise ValueError(f"offer block {name!r} is registered twice")
        price = np.asarray(price, dtype=float)
        n = int(price.shape[-1]) if size is None else int(size)
        if price.ndim == 0:
            price = np.full(n, float(price))
        if price.shape[-1] != n or price.ndim > 2:
            raise ValueError(f"offer block {name!r}: price shape {price.shape} does not fit size {n}")
        if must_take and price.ndim != 1:
            raise ValueError(f"offer block {name!r}: must-take offers have static prices")
        co2 = np.broadcast_to(np.asarray(co2_t_per_mwh, dtype=float), (n,)).copy()
        block = Block(name, n, price, co2, bool(dispatchable), bool(must_take), int(priority), len(self.blocks))
        self.blocks[name] = block
        return block

    def add_reserve(self, name: str, *, size: int) -> slice:
        """Register a block of ``size`` reserve offers (quantities and prices written each step)."""
        if self.is_open:
            raise RuntimeError("the offer book is open: blocks are registered at build")
        if name in self.reserve_blocks or name in self.blocks:
            raise ValueError(f"offer block {name!r} is registered twice")
        block = slice(self.n_reserve, self.n_reserve + int(size))
        self.reserve_blocks[name] = block
        self.n_reserve += int(size)
        self.reserve_offer_mw = np.zeros(self.n_reserve)
        self.reserve_offer_price = np.zeros(self.n_reserve)
        self.reserve_accepted_mw = np.zeros(self.n_reserve)
        return block

    def open(self) -> None:
        """Lay out the blocks (by priority, then registration order), fix the price matrix [variants, offers],
        the dispatchable and must-take masks, and allocate the quantities and the accepted record."""
        variants = {b.price.shape[0] for b in self.blocks.values() if b.price.ndim == 2}
        if len(variants) > 1:
            raise ValueError(f"offer blocks disagree on the number of price variants: {sorted(variants)}")
        n_var = variants.pop() if variants else 1
        layout = sorted(self.blocks.values(), key=lambda b: (b.priority, b.order))
        start = 0
        for b in layout:
            b.slice = slice(start, start + b.size)
            start += b.size
        self.n = start
        self.offer_price = np.empty((n_var, self.n))
        self.dispatchable = np.zeros(self.n, dtype=bool)
        self.must_take = np.zeros(self.n, dtype=bool)
        self.co2_t_per_mwh = np.zeros(self.n)
        for b in layout:
            self.offer_price[:, b.slice] = np.broadcast_to(b.price, (n_var, b.size))
            self.dispatchable[b.slice] = b.dispatchable
            self.must_take[b.slice] = b.must_take
            self.co2_t_per_mwh[b.slice] = b.co2_t_per_mwh
        self.slices = {b.name: b.slice for b in layout}
        take = [b for b in layout if b.must_take]
        self.must_take_blocks = take
        self.must_take_price = (np.concatenate([b.price for b in take]) if take else np.zeros(0))
        self.offer_mw = np.zeros(self.n)  # quantities of the current step (must-take columns stay 0: taken apart)
        self.must_take_mw = np.zeros(self.must_take_price.size)
        self.accepted_mw = np.zeros((self.steps, self.n))
        self.t = -1
        self.is_open = True

    # ---- each step ----------------------------------------------------------------------------------------------

    def _block(self, block: Block | str) -> Block:
        return self.blocks[block] if isinstance(block, str) else block

    def offer(self, block: Block | str, mw) -> None:
        """Write this step's quantities of a block [MW] (must-take blocks: the power that must be taken)."""
        b = self._block(block)
        if b.must_take:
            if len(self.must_take_blocks) == 1:
                self.must_take_mw = np.asarray(mw, dtype=float)
            else:
                pos = 0
                for other in self.must_take_blocks:
                    if other is b:
                        self.must_take_mw[pos:pos + b.size] = mw
                    pos += other.size
        else:
            self.offer_mw[b.slice] = mw

    def offer_reserve(self, block: slice | str, mw, price_cny_per_mw_h) -> None:
        """Write this step's reserve offers of a reserve block [MW] at their prices [CNY/(MW·h)]."""
        sl = self.reserve_blocks[block] if isinstance(block, str) else block
        self.reserve_offer_mw[sl] = mw
        self.reserve_offer_price[sl] = price_cny_per_mw_h
        self.reserve_offered = bool(np.any(self.reserve_offer_mw > 0.0))

    def record_reserve(self, accepted_mw, price_cny_per_mw_h: float) -> None:
        """The operator's reserve clearing of the step: accepted reserve per offer [MW], reserve price."""
        self.reserve_accepted_mw[:] = accepted_mw
        self.reserve_price_cny_per_mwh = float(price_cny_per_mw_h)
        self.reserve_recorded = self.reserve_price_cny_per_mwh != 0.0 or bool(np.any(self.reserve_accepted_mw))

    def reserve_accepted(self, block: slice | str) -> np.ndarray:
        """What the last clearing accepted of a reserve block [MW] (a view)."""
        sl = self.reserve_blocks[block] if isinstance(block, str) else block
        return self.reserve_accepted_mw[sl]

    def record(self, t: int, accepted_mw: np.ndarray) -> None:
        """The operator's clearing of step ``t``: accepted quantity per offer [MW]."""
        self.accepted_mw[t] = accepted_mw
        self.t = t

    def accepted(self, block: Block | str) -> np.ndarray:
        """What the last cleared step accepted of a block [MW] (a view)."""
        return self.accepted_mw[self.t, self._block(block).slice]

    def accepted_between(self, block: Block | str, start: int, stop: int) -> np.ndarray:
        """Accepted quantities of a block over steps [start, stop) [steps, size] [MW] (a view)."""
        return self.accepted_mw[start:stop, self._block(block).slice]

    def marginal_offers(self, start: int, stop: int, variant: np.ndarray) -> np.ndarray:
        """Index of the marginal offer of each cleared step in [start, stop) [steps]: the accepted offer
        (> 1e-9 MW) with the highest offer price of the step's price ``variant``, the last in layout order on
        ties (the merit order's stable sort takes it last); −1 when nothing was accepted."""
        acc = self.accepted_mw[start:stop]
        price = np.where(acc > 1e-9, self.offer_price[np.asarray(variant, dtype=int)], -np.inf)
        top = price == price.max(axis=1, keepdims=True)
        last = self.n - 1 - np.argmax(top[:, ::-1], axis=1)
        return np.where(np.isfinite(price.max(axis=1)), last, -1) if self.n else np.full(stop - start, -1)

    def marginal_co2_kgco2_per_kwh(self, start: int, stop: int, variant: np.ndarray) -> np.ndarray:
        """CO2 factor of the marginal offer of each step in [start, stop) [kgCO2/kWh = tCO2/MWh] (0 when none)."""
        k = self.marginal_offers(start, stop, variant)
        return np.where(k >= 0, self.co2_t_per_mwh[np.maximum(k, 0)] if self.n else 0.0, 0.0)
