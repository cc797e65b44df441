"""MusicVAE models compatible with magenta's checkpoints, on TensorFlow 2 / Keras 3.

Submodules: `hparams` (magenta override syntax), `configs` (configs by magenta's names),
`lstm` (magenta's LSTMBlockCell), `encoder`, `decoders`, `vae` (the Keras model),
`interpolation` (slerp/lerp), `checkpoint` (magenta and Serenade checkpoints).
Heavy modules import TensorFlow; import them directly (`from serenade.models.vae import MusicVAE`).
"""

from serenade.models.configs import CONFIG_NAMES, ModelConfig, get_config
from serenade.models.hparams import HParams

__all__ = ["CONFIG_NAMES", "HParams", "ModelConfig", "get_config"]
