"""The drum configs: 2-bar drum windows, one-hot over class combinations (cat-) or a NADE over
the kit pieces' bits (nade-) (converters: serenade.drums.configs)."""

from __future__ import annotations

from serenade.registry.entry import ConfigEntry

_DRUMS_2BAR = dict(batch_size=512, max_seq_len=32, free_bits=48.0, max_beta=0.2,
                   sampling_schedule="inverse_sigmoid", sampling_rate=1000.0)

CONFIGS: tuple[ConfigEntry, ...] = (
    ConfigEntry(
        "cat-drums_2bar_small", "cat_drums_2bar",
        dict(_DRUMS_2BAR, z_size=256, enc_rnn_size=[512], dec_rnn_size=[256, 256]),
        "2-bar drums (9 classes, 512 combinations), BiLSTM [512] encoder, flat decoder "
        "[256,256], z 256"),
    ConfigEntry(
        "cat-drums_2bar_big", "cat_drums_2bar",
        dict(_DRUMS_2BAR, z_size=512, enc_rnn_size=[2048], dec_rnn_size=[2048, 2048, 2048]),
        "2-bar drums (9 classes, 512 combinations), BiLSTM [2048] encoder, flat decoder "
        "[2048]x3, z 512"),
    ConfigEntry(
        "nade-drums_2bar_reduced", "nade_drums_2bar_reduced",
        dict(_DRUMS_2BAR, z_size=256, enc_rnn_size=[1024], dec_rnn_size=[512, 512],
             nade_num_hidden=128),
        "2-bar drums (9 classes as bits), BiLSTM [1024] encoder, flat decoder [512,512] "
        "with a NADE over the bits, z 256"),
    ConfigEntry(
        "nade-drums_2bar_full", "nade_drums_2bar_full",
        dict(_DRUMS_2BAR, z_size=256, enc_rnn_size=[1024], dec_rnn_size=[512, 512],
             nade_num_hidden=128),
        "2-bar drums (61 General MIDI drum pitches as bits), BiLSTM [1024] encoder, flat "
        "decoder [512,512] with a NADE over the bits, z 256"),
    # Ours: same structure, small layers, for tests and quick runs.
    ConfigEntry(
        "cat-drums_2bar_tiny", "cat_drums_2bar",
        dict(_DRUMS_2BAR, z_size=16, enc_rnn_size=[32], dec_rnn_size=[32, 32], free_bits=8.0,
             batch_size=16),
        "tiny 2-bar drum model for tests (cat-drums_2bar_small structure)", magenta=False),
    ConfigEntry(
        "nade-drums_2bar_tiny", "nade_drums_2bar_reduced",
        dict(_DRUMS_2BAR, z_size=16, enc_rnn_size=[32], dec_rnn_size=[32, 32], free_bits=8.0,
             batch_size=16, nade_num_hidden=16),
        "tiny NADE drum model for tests (nade-drums_2bar_reduced structure)", magenta=False),
    ConfigEntry(
        "nade-drums_2bar_full_tiny", "nade_drums_2bar_full",
        dict(_DRUMS_2BAR, z_size=16, enc_rnn_size=[32], dec_rnn_size=[32, 32], free_bits=8.0,
             batch_size=16, nade_num_hidden=16),
        "tiny NADE drum model over the full kit for tests (nade-drums_2bar_full structure)",
        magenta=False),
)
