"""The melody configs: 90-class melody events, 2 or 16 bars (converters:
serenade.melody.configs)."""

from __future__ import annotations

from serenade.registry.entry import ConfigEntry, Hierarchy

_MEL_2BAR = dict(
    batch_size=512, max_seq_len=32, free_bits=0.0, beta_rate=0.99999,
    sampling_schedule="inverse_sigmoid", sampling_rate=1000.0)
_MEL_16BAR = dict(batch_size=512, max_seq_len=256, free_bits=256.0, max_beta=0.2)
# the tiny hierarchical-encoder configs' sizes (one encoder layer of 32 at every level)
_MEL_16BAR_TINY_HIER = dict(_MEL_16BAR, z_size=16, enc_rnn_size=[32], dec_rnn_size=[32, 32],
                            free_bits=8.0, batch_size=8)

CONFIGS: tuple[ConfigEntry, ...] = (
    ConfigEntry(
        "cat-mel_2bar_small", "mel_2bar",
        dict(_MEL_2BAR, z_size=256, enc_rnn_size=[512], dec_rnn_size=[256, 256], max_beta=0.2),
        "2-bar melody, BiLSTM [512] encoder, flat decoder [256,256], z 256"),
    ConfigEntry(
        "cat-mel_2bar_big", "mel_2bar",
        dict(_MEL_2BAR, z_size=512, enc_rnn_size=[2048], dec_rnn_size=[2048, 2048, 2048],
             max_beta=0.5),
        "2-bar melody, BiLSTM [2048] encoder, flat decoder [2048]x3, z 512"),
    ConfigEntry(
        "flat-mel_16bar", "mel_16bar",
        dict(_MEL_16BAR, z_size=512, enc_rnn_size=[2048, 2048], dec_rnn_size=[2048, 2048, 2048]),
        "16-bar melody, BiLSTM [2048,2048] encoder, flat decoder [2048]x3, z 512"),
    ConfigEntry(
        "hierdec-mel_16bar", "mel_16bar",
        dict(_MEL_16BAR, z_size=512, enc_rnn_size=[2048, 2048], dec_rnn_size=[1024, 1024]),
        "16-bar melody, BiLSTM [2048,2048] encoder, conductor + core decoder [1024,1024], z 512",
        hierarchical=Hierarchy((16, 16))),
    ConfigEntry(
        "hier-mel_16bar", "mel_16bar",
        dict(_MEL_16BAR, z_size=512, enc_rnn_size=[1024], dec_rnn_size=[1024, 1024]),
        "16-bar melody, hierarchical BiLSTM [1024] encoder (bars, then the 16 bar encodings), "
        "conductor + core decoder [1024,1024], z 512",
        hierarchical=Hierarchy((16, 16)), encoder_level_lengths=(16, 16)),
    # Ours: a 16-bar phrase as eight 2-bar units, so that a trained 2-bar model (the sizes of
    # serenade_mel_2bar) can be its lowest level, encoder and decoder (`train.bar_teacher`).
    ConfigEntry(
        "hier-mel_16bar_2bar_units", "mel_16bar",
        dict(_MEL_16BAR, z_size=512, enc_rnn_size=[256], dec_rnn_size=[256, 256],
             free_bits=512.0, batch_size=64),
        "16-bar melody in 2-bar units: hierarchical BiLSTM [256] encoder (each 2-bar unit, "
        "then the 8 unit encodings), conductor of 8 units + core decoder [256,256] of 2 bars, "
        "z 512; the 2-bar model's sizes, so that it can teach both levels",
        hierarchical=Hierarchy((8, 32)), encoder_level_lengths=(32, 8), magenta=False),
    # Ours: same structure, small layers, for tests and quick runs.
    ConfigEntry(
        "cat-mel_2bar_tiny", "mel_2bar",
        dict(_MEL_2BAR, z_size=16, enc_rnn_size=[32], dec_rnn_size=[32, 32], max_beta=0.2,
             batch_size=16),
        "tiny 2-bar melody model for tests (cat-mel_2bar_small structure)", magenta=False),
    ConfigEntry(
        "flat-mel_16bar_tiny", "mel_16bar",
        dict(_MEL_16BAR, z_size=16, enc_rnn_size=[32, 32], dec_rnn_size=[32, 32], free_bits=8.0,
             batch_size=8),
        "tiny 16-bar flat melody model for tests (flat-mel_16bar structure)", magenta=False),
    ConfigEntry(
        "hierdec-mel_16bar_tiny", "mel_16bar",
        dict(_MEL_16BAR, z_size=16, enc_rnn_size=[32, 32], dec_rnn_size=[32, 32], free_bits=8.0,
             batch_size=8),
        "tiny hierarchical 16-bar melody model for tests (hierdec-mel_16bar structure)",
        hierarchical=Hierarchy((16, 16)), magenta=False),
    ConfigEntry(
        "hier-mel_16bar_tiny", "mel_16bar",
        _MEL_16BAR_TINY_HIER,
        "tiny 16-bar melody model with hierarchical encoder and decoder for tests "
        "(hier-mel_16bar structure)",
        hierarchical=Hierarchy((16, 16)), encoder_level_lengths=(16, 16), magenta=False),
    ConfigEntry(
        "hier-mel_16bar_2bar_units_tiny", "mel_16bar",
        _MEL_16BAR_TINY_HIER,
        "tiny 16-bar melody model in 2-bar units for tests (hier-mel_16bar_2bar_units "
        "structure)",
        hierarchical=Hierarchy((8, 32)), encoder_level_lengths=(32, 8), magenta=False),
)
