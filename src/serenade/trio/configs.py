"""The trio converter, by the name the trio configs give (`serenade.registry.trio`): magenta's
configs.py, data side only.

magenta's three trio configs share one converter: 16-bar windows, 4 steps per
quarter, gaps of up to 2 bars bridged, no augmentation. They differ in the model only
(flat decoder, hierarchical decoder, hierarchical encoder and decoder).
`hierdec-trio_16bar_tiny` and `hier-trio_16bar_tiny` are ours, small models for tests.
"""

from __future__ import annotations

from serenade.trio.converter import TrioConverter

TRIO_16BAR = TrioConverter(slice_bars=16, gap_bars=2, steps_per_quarter=4)

CONVERTERS: dict[str, TrioConverter] = {"trio_16bar": TRIO_16BAR}
