"""The GrooVAE configs: drum performances as float windows of hits, velocities and offsets per
step and drum class, magenta's BidirectionalLstmEncoder and GrooveLstmDecoder (converters:
serenade.groove.configs; model: serenade.models.groove). magenta's six share the model and its
hparams and differ in the converter (what the encoder sees, the window, the controls)."""

from __future__ import annotations

from serenade.registry.entry import ConfigEntry

# magenta's configs.py, every GrooVAE config: 16 steps per bar, dropout on every LSTM input
# while training, free bits 48, constant (zero) sampling schedule: teacher forcing.
_GROOVE = dict(batch_size=512, z_size=256, enc_rnn_size=[512], dec_rnn_size=[256, 256],
               max_beta=0.2, free_bits=48.0, dropout_keep_prob=0.3)
_2BAR = dict(_GROOVE, max_seq_len=32)


def _entry(name: str, hparams: dict, description: str, magenta: bool = True,
           converter: str | None = None) -> ConfigEntry:
    return ConfigEntry(name, converter or name, hparams, description, magenta=magenta,
                       window_kind="groove")


CONFIGS: tuple[ConfigEntry, ...] = (
    _entry("groovae_4bar", dict(_GROOVE, max_seq_len=64),
           "4-bar drum performance (hits, velocities, offsets of 9 classes), BiLSTM [512] "
           "encoder, GrooVAE decoder [256,256], z 256"),
    _entry("groovae_2bar_humanize", _2BAR,
           "2-bar drum performance from its hits alone (humanize: the encoder sees no velocity "
           "or offset), BiLSTM [512] encoder, GrooVAE decoder [256,256], z 256"),
    _entry("groovae_2bar_tap_fixed_velocity", _2BAR,
           "2-bar drum performance from a tapped rhythm (one hit per step, no velocity), BiLSTM "
           "[512] encoder, GrooVAE decoder [256,256], z 256"),
    _entry("groovae_2bar_tap_fixed_velocity_note_dropout", _2BAR,
           "2-bar drum performance from a tapped rhythm after note dropout, BiLSTM [512] "
           "encoder, GrooVAE decoder [256,256], z 256"),
    _entry("groovae_2bar_add_closed_hh", _2BAR,
           "2-bar drum performance with a closed hi-hat added (the encoder sees none), BiLSTM "
           "[512] encoder, GrooVAE decoder [256,256], z 256"),
    _entry("groovae_2bar_hits_control_tfds", _2BAR,
           "2-bar drum performance conditioned on its hits per step (controls), BiLSTM [512] "
           "encoder, GrooVAE decoder [256,256], z 256"),
    # Ours: same structure, small layers, for tests and quick runs.
    _entry("groovae_2bar_tiny", dict(_2BAR, z_size=8, enc_rnn_size=[32], dec_rnn_size=[32, 32],
                                     batch_size=16),
           "tiny 2-bar GrooVAE model for tests (groovae_2bar_humanize structure)", magenta=False,
           converter="groovae_2bar_humanize"),
    _entry("groovae_2bar_hits_control_tiny",
           dict(_2BAR, z_size=8, enc_rnn_size=[32], dec_rnn_size=[32, 32], batch_size=16),
           "tiny 2-bar GrooVAE model with hits as controls for tests "
           "(groovae_2bar_hits_control_tfds structure)", magenta=False,
           converter="groovae_2bar_hits_control_tfds"),
)
