"""The multi-instrument performance configs: one bar of up to 8 instruments' performances
(program token, events with 8 velocity bins, end token; 64 rows per track, 512 per window),
optionally with a triad chord per row as control (converters: serenade.multiperf.configs).

magenta's four (`hier-multiperf_vel_1bar_*`) share one model structure: a hierarchical encoder
(each track's 64 rows encoded alone, then the 8 track encodings) and a conductor of 8 steps,
one per track, over a core decoder that decodes each track's 64 rows from the conductor's
embedding alone (autoregression disabled at every level). `_med` and `_big` differ in sizes
only; the `_chords` ones condition the encoder and the core decoder on the chord of each row.
"""

from __future__ import annotations

from serenade.registry.entry import ConfigEntry, Hierarchy

_TRACKS = Hierarchy((8, 64))  # conductor: 8 tracks; core decoder: 64 rows per track
_ENCODER_LEVELS = (64, 8)  # lowest level first: a track's rows, then the 8 tracks
_MED = dict(batch_size=256, max_seq_len=512, z_size=512, enc_rnn_size=[1024],
            dec_rnn_size=[512, 512, 512])
_BIG = dict(batch_size=256, max_seq_len=512, z_size=512, enc_rnn_size=[2048],
            dec_rnn_size=[1024, 1024, 1024])


def _entry(name: str, converter: str, hparams: dict, description: str,
           magenta: bool = True) -> ConfigEntry:
    return ConfigEntry(name, converter, hparams, description, hierarchical=_TRACKS,
                       encoder_level_lengths=_ENCODER_LEVELS, magenta=magenta)


CONFIGS: tuple[ConfigEntry, ...] = (
    _entry("hier-multiperf_vel_1bar_med", "multiperf_vel_1bar", _MED,
           "1-bar multi-instrument performance (8 tracks of 64 events, 8 velocity bins), "
           "hierarchical BiLSTM [1024] encoder (tracks, then the 8 track encodings), conductor "
           "+ core decoder [512]x3 per track, z 512"),
    _entry("hier-multiperf_vel_1bar_big", "multiperf_vel_1bar", _BIG,
           "1-bar multi-instrument performance (8 tracks of 64 events, 8 velocity bins), "
           "hierarchical BiLSTM [2048] encoder, conductor + core decoder [1024]x3 per track, "
           "z 512"),
    _entry("hier-multiperf_vel_1bar_med_chords", "multiperf_vel_1bar_chords", _MED,
           "1-bar multi-instrument performance conditioned on a triad chord per event, "
           "hierarchical BiLSTM [1024] encoder, conductor + core decoder [512]x3 per track, "
           "z 512"),
    _entry("hier-multiperf_vel_1bar_big_chords", "multiperf_vel_1bar_chords", _BIG,
           "1-bar multi-instrument performance conditioned on a triad chord per event, "
           "hierarchical BiLSTM [2048] encoder, conductor + core decoder [1024]x3 per track, "
           "z 512"),
    # Ours: same structure, small layers, for tests and quick runs.
    _entry("hier-multiperf_vel_1bar_tiny", "multiperf_vel_1bar",
           dict(_MED, z_size=8, enc_rnn_size=[12], dec_rnn_size=[12, 12, 12], batch_size=4),
           "tiny multi-instrument performance model for tests (hier-multiperf_vel_1bar_med "
           "structure)", magenta=False),
    _entry("hier-multiperf_vel_1bar_chords_tiny", "multiperf_vel_1bar_chords",
           dict(_MED, z_size=8, enc_rnn_size=[12], dec_rnn_size=[12, 12, 12], batch_size=4),
           "tiny chord-conditioned multi-instrument performance model for tests "
           "(hier-multiperf_vel_1bar_med_chords structure)", magenta=False),
)
