"""Whether --config agrees with the checkpoint it is loaded with.

A magenta checkpoint's layer sizes are read from its variables when --hparams does not set
them (a checkpoint trained with other sizes loads under its config's name). But when the sizes
read are exactly another config's of the same kind, --config names the wrong model
(`--config cat-mel_2bar_big` with a cat-mel_2bar_small checkpoint) and the outputs would carry
the wrong name: that is refused, naming the config the checkpoint is.
"""

from __future__ import annotations

from serenade.errors import UserError
from serenade.models.configs import ModelConfig, get_config
from serenade.models.hparams import parsed_names
from serenade.registry import CONFIG_NAMES

SIZES = ("z_size", "enc_rnn_size", "dec_rnn_size", "nade_num_hidden")


def _sizes(config: ModelConfig) -> dict:
    return {key: config.hparams.values()[key] for key in SIZES if key in config.hparams}


def _kind(config: ModelConfig) -> tuple:
    """What must agree for two configs to read the same windows with the same layer structure."""
    depths = None if config.groove else config.part_depths  # GrooVAE windows are not classes
    return (type(config.converter), config.window_kind, config.window_steps, depths,
            config.control_depth, config.hierarchical, config.encoder_level_lengths,
            config.multi_label)


def _shown(sizes: dict) -> str:
    return ", ".join(f"{key} {value}" for key, value in sizes.items())


def check_config_matches(loaded: ModelConfig, config_name: str, hparams: str) -> None:
    """UserError when the loaded model's layer sizes are another config's, not `config_name`'s
    (sizes set in `hparams` are the user's and never contradict)."""
    asked = get_config(config_name, hparams)
    found = _sizes(loaded)
    if _sizes(asked) == found or set(SIZES) & parsed_names(hparams):
        return
    matches = [name for name in CONFIG_NAMES if name != config_name
               and _sizes(get_config(name)) == found and _kind(get_config(name)) == _kind(asked)]
    if matches:
        raise UserError(
            f"--config {config_name} does not match the checkpoint: its layers ({_shown(found)}) "
            f"are {matches[0]}'s, not {config_name}'s ({_shown(_sizes(asked))}); did you mean "
            f"--config {matches[0]}? (or set the sizes with --hparams to keep the name)")
