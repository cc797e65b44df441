import numpy as np

from serenade.models import magenta_layout as layout


def test_gate_blocks_tile_the_kernel_columns_in_magentas_order():
    units = 3
    columns = [layout.gate_columns(gate, units) for gate in layout.GATES]
    assert [c.start for c in columns] == [0, 3, 6, 9] and columns[-1].stop == 4 * units
    assert layout.GATES[layout.INPUT] == "input" and layout.GATES[layout.FORGET] == "forget"
    assert layout.gate_columns("forget", units) == slice(6, 9)


def test_initial_state_columns_read_c_then_h_per_layer():
    flat = np.arange(6)
    (h0, c0), (h1, c1) = layout.initial_state_columns([1, 2])
    assert flat[c0].tolist() == [0] and flat[h0].tolist() == [1]
    assert flat[c1].tolist() == [2, 3] and flat[h1].tolist() == [4, 5]


def test_scopes_are_magentas_checkpoint_names():
    assert layout.kernel_and_bias(layout.FLAT_DECODER.cell(1)) == (
        "decoder/multi_rnn_cell/cell_1/lstm_cell/kernel", "decoder/multi_rnn_cell/cell_1/lstm_cell/bias")
    assert layout.encoder_cell_scope(0, "bw") == (
        "encoder/cell_0/bidirectional_rnn/bw/multi_rnn_cell/cell_0/lstm_cell")
    assert layout.HIERARCHICAL_DECODER.core.output_projection == "core_decoder/decoder/output_projection"
    assert layout.HIERARCHICAL_DECODER.conductor_cell(0) == "decoder/hierarchical_level_0/cell_0/lstm_cell"
