"""MusicVAE models compatible with magenta's checkpoints, on TensorFlow 2 / Keras 3.

Submodules: `hparams` (magenta override syntax), `configs` (a `serenade.registry` config's
model and hparams), `lstm` (magenta's LSTMBlockCell), `encoder`, `decoders`, `vae` (the Keras
model; `build_model` picks it or `groove`'s GrooVAE for a config), `interpolation` (slerp/lerp), `checkpoint` (magenta and Serenade checkpoints).
Heavy modules import TensorFlow; import them directly (`from serenade.models.vae import MusicVAE`).
"""

from serenade.models.configs import ModelConfig, get_config
from serenade.models.hparams import HParams

__all__ = ["HParams", "ModelConfig", "get_config"]
