"""Pure, vectorised physics of the compute–power–heat twin.

Every function works on scalars and numpy arrays (broadcasting) and states units and sources in its
docstring; see docs/physics.md. Submodules are imported explicitly (``from agents.physics import cooling``)
so that importing this package stays cheap (pvlib and windpowerlib load only with ``pv`` and ``wind``).
"""

__all__ = [
    "cooling",
    "district_heat",
    "emissions",
    "frequency",
    "heat_pump",
    "it_load",
    "pv",
    "storage",
    "wind",
]
