"""The trio configs: 16 bars of melody, bass and drums, three parts per step (converter:
serenade.trio.configs). magenta's three differ in the model only."""

from __future__ import annotations

from serenade.registry.entry import ConfigEntry, Hierarchy

_TRIO_16BAR = dict(batch_size=256, max_seq_len=256)
_SPLIT = Hierarchy((16, 16), split_parts=True)  # one core decoder per part

CONFIGS: tuple[ConfigEntry, ...] = (
    ConfigEntry(
        "flat-trio_16bar", "trio_16bar",
        dict(_TRIO_16BAR, z_size=512, enc_rnn_size=[2048, 2048], dec_rnn_size=[2048, 2048, 2048]),
        "16-bar trio (melody, bass, drums), BiLSTM [2048,2048] encoder, flat decoder "
        "[2048]x3 with one softmax per part, z 512"),
    ConfigEntry(
        "hierdec-trio_16bar", "trio_16bar",
        dict(_TRIO_16BAR, z_size=512, enc_rnn_size=[2048, 2048], dec_rnn_size=[1024, 1024],
             free_bits=256.0, max_beta=0.2),
        "16-bar trio (melody, bass, drums), BiLSTM [2048,2048] encoder, conductor + one core "
        "decoder [1024,1024] per part, z 512",
        hierarchical=_SPLIT),
    ConfigEntry(
        "hier-trio_16bar", "trio_16bar",
        dict(_TRIO_16BAR, z_size=512, enc_rnn_size=[1024], dec_rnn_size=[1024, 1024],
             free_bits=256.0, max_beta=0.2),
        "16-bar trio (melody, bass, drums), hierarchical BiLSTM [1024] encoder (bars, then the "
        "16 bar encodings), conductor + one core decoder [1024,1024] per part, z 512",
        hierarchical=_SPLIT, encoder_level_lengths=(16, 16)),
    # Ours: same structure, small layers, for tests and quick runs.
    ConfigEntry(
        "hierdec-trio_16bar_tiny", "trio_16bar",
        dict(_TRIO_16BAR, z_size=16, enc_rnn_size=[32, 32], dec_rnn_size=[32, 32], free_bits=16.0,
             max_beta=0.2, batch_size=8),
        "tiny hierarchical trio model for tests (hierdec-trio_16bar structure)",
        hierarchical=_SPLIT, magenta=False),
    ConfigEntry(
        "hier-trio_16bar_tiny", "trio_16bar",
        dict(_TRIO_16BAR, z_size=16, enc_rnn_size=[32], dec_rnn_size=[32, 32], free_bits=16.0,
             max_beta=0.2, batch_size=8),
        "tiny trio model with hierarchical encoder and decoder for tests "
        "(hier-trio_16bar structure)",
        hierarchical=_SPLIT, encoder_level_lengths=(16, 16), magenta=False),
)
