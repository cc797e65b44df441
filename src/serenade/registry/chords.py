"""The chord-conditioned melody configs: 2-bar melody windows with a triad per step as control
(converter: serenade.chords.configs)."""

from __future__ import annotations

from serenade.registry.entry import ConfigEntry

CONFIGS: tuple[ConfigEntry, ...] = (
    ConfigEntry(
        "cat-mel_2bar_med_chords", "mel_2bar_chords",
        dict(batch_size=512, max_seq_len=32, z_size=256, enc_rnn_size=[1024],
             dec_rnn_size=[512, 512, 512]),
        "2-bar melody conditioned on a triad chord per step, BiLSTM [1024] encoder, flat "
        "decoder [512]x3, z 256"),
    # Ours: same structure, small layers, for tests and quick runs.
    ConfigEntry(
        "cat-mel_2bar_med_chords_tiny", "mel_2bar_chords",
        dict(batch_size=16, max_seq_len=32, z_size=16, enc_rnn_size=[32],
             dec_rnn_size=[32, 32, 32]),
        "tiny chord-conditioned 2-bar melody model for tests (cat-mel_2bar_med_chords "
        "structure)", magenta=False),
)
