import numpy as np

from serenade.models.encoder import BidirectionalEncoder


def lstm(kernel, bias, xs, units):
    h = np.zeros(units)
    c = np.zeros(units)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    out = []
    for x in xs:
        i, j, f, o = np.split(np.concatenate([x, h]) @ kernel + bias, 4)
        c = sig(i) * np.tanh(j) + sig(f + 1.0) * c
        h = np.tanh(c) * sig(o)
        out.append(h)
    return np.array(out)


def test_two_layer_bidirectional_encoding_matches_a_plain_reference():
    rng = np.random.default_rng(0)
    encoder = BidirectionalEncoder([6, 4], part_depths=(90,))
    encoder.build()
    for variable in encoder.trainable_variables:
        variable.assign(rng.normal(scale=0.4, size=variable.shape).astype(np.float32))
    window = rng.integers(0, 90, size=12)
    got = encoder(window[None].astype(np.int32)).numpy()[0]

    xs = np.eye(90)[window]
    (fw0, bw0), (fw1, bw1) = encoder.cells
    out_fw = lstm(fw0.kernel.numpy(), fw0.bias.numpy(), xs, 6)
    out_bw = lstm(bw0.kernel.numpy(), bw0.bias.numpy(), xs[::-1], 6)[::-1]
    layer1 = np.concatenate([out_fw, out_bw], axis=1)
    last_fw = lstm(fw1.kernel.numpy(), fw1.bias.numpy(), layer1, 4)[-1]
    last_bw = lstm(bw1.kernel.numpy(), bw1.bias.numpy(), layer1[::-1], 4)[-1]
    np.testing.assert_allclose(got, np.concatenate([last_fw, last_bw]), atol=1e-5)
    assert encoder.output_depth == 8
    assert "encoder/cell_1/bidirectional_rnn/bw/multi_rnn_cell/cell_0/lstm_cell/kernel" in (
        encoder.magenta_variables())


def test_a_dense_encoder_reads_vectors():
    """The upper levels of a hierarchical encoder read vectors, not classes."""
    rng = np.random.default_rng(1)
    encoder = BidirectionalEncoder([3], input_depth=7)
    encoder.build()
    for variable in encoder.trainable_variables:
        variable.assign(rng.normal(scale=0.4, size=variable.shape).astype(np.float32))
    xs = rng.normal(size=(5, 7)).astype(np.float32)
    got = encoder(xs[None]).numpy()[0]
    ((fw, bw),) = encoder.cells
    want = np.concatenate([lstm(fw.kernel.numpy(), fw.bias.numpy(), xs, 3)[-1],
                           lstm(bw.kernel.numpy(), bw.bias.numpy(), xs[::-1], 3)[-1]])
    np.testing.assert_allclose(got, want, atol=1e-5)
