"""magenta's weight layout: LSTM gate order and the checkpoint name of every variable.

This is the contract that lets magenta checkpoints load without conversion, so every part of
Serenade that touches weights derives from it: the Keras layers name their variables with it,
the TensorFlow and numpy LSTM steps split gates with it, and the numpy decoder finds its
weights with it. Plain Python (no TensorFlow), so numpy and numba code can import it.

magenta's `LSTMBlockCell` keeps one kernel [input + units, 4 * units] applied to [x, h], one
bias [4 * units], the gate blocks in the order below, and a forget bias of +1.0 added at run
time (never stored). No peepholes, no cell clipping.
"""

from __future__ import annotations

from dataclasses import dataclass

GATES = ("input", "candidate", "forget", "output")
FORGET_BIAS = 1.0
INPUT, CANDIDATE, FORGET, OUTPUT = (GATES.index(g) for g in
                                    ("input", "candidate", "forget", "output"))


def gate_columns(gate: str, units: int) -> slice:
    """The kernel/bias columns of one gate block for a cell of `units` units."""
    index = GATES.index(gate)
    return slice(index * units, (index + 1) * units)


def initial_state_columns(units: list[int]) -> list[tuple[slice, slice]]:
    """(h, c) columns of each layer in a decoder's tanh(Dense(z)) initial state, whose flat
    order is magenta's c0, h0, c1, h1, ..."""
    columns, offset = [], 0
    for u in units:
        columns.append((slice(offset + u, offset + 2 * u), slice(offset, offset + u)))
        offset += 2 * u
    return columns


def kernel_and_bias(scope: str) -> tuple[str, str]:
    """Names of a dense layer's (or a cell's) kernel and bias under `scope`."""
    return f"{scope}/kernel", f"{scope}/bias"


def lstm_cell_scope(scope: str) -> str:
    return f"{scope}/lstm_cell"


@dataclass(frozen=True)
class InputRows:
    """The blocks of a first layer's kernel rows, in magenta's concatenation order: the
    window's own input (a one-hot or the converter's rows), then the condition (a decoder's z
    or conductor embedding; none for the encoder), then the control vector of the step (a
    chord; none without controls). magenta concatenates [x, z, c] per decoder step and
    [x, c] per encoder step (`BaseLstmDecoder`, `MusicVAE.encode`)."""

    input_depth: int
    condition_size: int = 0
    control_depth: int = 0

    @property
    def size(self) -> int:
        return self.input_depth + self.condition_size + self.control_depth

    @property
    def tokens(self) -> slice:
        return slice(0, self.input_depth)

    @property
    def condition(self) -> slice:
        return slice(self.input_depth, self.input_depth + self.condition_size)

    @property
    def controls(self) -> slice:
        return slice(self.input_depth + self.condition_size, self.size)


# ----------------------------------------------------------------------------- encoder
ENCODER = "encoder"


def encoder_cell_scope(layer: int, direction: str, prefix: str = ENCODER) -> str:
    """One direction ("fw" or "bw") of one bidirectional layer of the encoder."""
    return lstm_cell_scope(f"{prefix}/cell_{layer}/bidirectional_rnn/{direction}/multi_rnn_cell/cell_0")


def hierarchical_encoder_level(level: int, prefix: str = ENCODER) -> str:
    """One level of a hierarchical encoder (magenta's HierarchicalLstmEncoder): a whole
    bidirectional encoder, its cells under `encoder_cell_scope(.., prefix=this)`."""
    return f"{prefix}/hierarchical_level_{level}"


MU = f"{ENCODER}/mu"
SIGMA = f"{ENCODER}/sigma"


# ----------------------------------------------------------------------------- decoders
@dataclass(frozen=True)
class FlatDecoderScopes:
    """A flat (categorical LSTM) decoder's scopes: stand-alone, or as a hierarchy's core."""

    prefix: str = "decoder"

    @property
    def initial_state(self) -> str:
        return f"{self.prefix}/z_to_initial_state"

    def cell(self, layer: int) -> str:
        return lstm_cell_scope(f"{self.prefix}/multi_rnn_cell/cell_{layer}")

    @property
    def output_projection(self) -> str:
        return f"{self.prefix}/output_projection"


FLAT_DECODER = FlatDecoderScopes("decoder")
NADE = "decoder/nade"  # the NADE head's weights (w_enc, w_dec_t) of a multi-label decoder


@dataclass(frozen=True)
class HierarchicalDecoderScopes:
    """A two-level hierarchical decoder: the conductor's scopes and its core decoder's."""

    prefix: str = "decoder/hierarchical_level_0"

    @property
    def initial_state(self) -> str:
        return f"{self.prefix}/initial_state"

    def conductor_cell(self, layer: int) -> str:
        return lstm_cell_scope(f"{self.prefix}/cell_{layer}")

    @property
    def core(self) -> FlatDecoderScopes:
        return FlatDecoderScopes("core_decoder/decoder")

    def core_part(self, part: int) -> FlatDecoderScopes:
        """The core decoder of one part when each part has its own (the trio's)."""
        return FlatDecoderScopes(f"core_decoder/core_decoder_{part}/decoder")


HIERARCHICAL_DECODER = HierarchicalDecoderScopes()
