"""Load magenta checkpoints (directory, prefix or published .tar) and save/load our own.

Serenade checkpoint format (a directory):
- `serenade.json`: {"format": "serenade-musicvae", "version": 1, "config": NAME,
  "hparams": every hparam in magenta syntax, "global_step": N, "checkpoint": PREFIX};
- `PREFIX.index` + `PREFIX.data-00000-of-00001` (PREFIX = `model.ckpt-N`): a TensorFlow V2
  checkpoint bundle holding each weight under its magenta variable name (plus `global_step`),
  float32, bit for bit (or float16 when saved so, for shipping); and a `checkpoint` index file, so that magenta and
  `tf.train.latest_checkpoint` read the directory too.
"""

from __future__ import annotations

import json
import logging
import os
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf

from serenade.models import pretrained
from serenade.models.configs import ModelConfig, get_config
from serenade.models.hparams import parsed_names

LOG = logging.getLogger(__name__)
FORMAT = "serenade-musicvae"
FORMAT_VERSION = 1
METADATA = "serenade.json"
# Variables a checkpoint may hold that are not model weights (training state).
_IGNORED_SUFFIXES = ("/Adam", "/Adam_1")
_IGNORED_NAMES = {"global_step", "beta1_power", "beta2_power"}


class CheckpointMismatchError(ValueError):
    """The checkpoint's variables do not fit the requested config."""


def _is_weight(name: str) -> bool:
    return name not in _IGNORED_NAMES and not name.endswith(_IGNORED_SUFFIXES)


def _read_prefix(prefix: str) -> dict[str, np.ndarray]:
    reader = tf.train.load_checkpoint(prefix)
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}


def _prefix_in_directory(directory: Path) -> str:
    latest = tf.train.latest_checkpoint(str(directory))
    if latest:
        return latest
    indexes = sorted(directory.glob("*.index"))
    if not indexes:
        raise FileNotFoundError(f"{directory}: no checkpoint here (no 'checkpoint' file, no *.index)")
    if len(indexes) > 1:
        def step(p: Path) -> int:
            tail = p.name[: -len(".index")].rsplit("-", 1)[-1]
            return int(tail) if tail.isdigit() else -1
        indexes.sort(key=step)
    return str(indexes[-1])[: -len(".index")]


def read_checkpoint(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict | None]:
    """All tensors of a checkpoint and our metadata (None for magenta checkpoints).

    `path`: a directory (latest checkpoint in it), a checkpoint prefix (`.../model.ckpt-500`),
    a tar bundle as magenta publishes (`cat-mel_2bar_big.tar`), or `pretrained:NAME`.
    """
    path = pretrained.resolve(path)
    if path.is_file() and tarfile.is_tarfile(path):
        with tempfile.TemporaryDirectory(prefix="serenade-ckpt-") as temp, tarfile.open(path) as tar:
            tar.extractall(temp, filter="data")
            indexes = sorted(Path(temp).rglob("*.index"))
            if not indexes:
                raise FileNotFoundError(f"{path}: the tar bundle holds no checkpoint (*.index)")
            return _read_prefix(str(indexes[0])[: -len(".index")]), None
    if path.is_dir():
        metadata = None
        if (path / METADATA).exists():
            metadata = json.loads((path / METADATA).read_text())
            if metadata.get("format") != FORMAT:
                raise ValueError(f"{path / METADATA}: not a {FORMAT} checkpoint")
            prefix = str(path / metadata["checkpoint"])
        else:
            prefix = _prefix_in_directory(path)
        return _read_prefix(prefix), metadata
    if Path(str(path) + ".index").exists():
        return _read_prefix(str(path)), None
    raise FileNotFoundError(
        f"{path}: not a checkpoint directory, checkpoint prefix (PREFIX.index) or .tar bundle")


def infer_architecture(variables: dict[str, np.ndarray]) -> dict:
    """Sizes the checkpoint's variables imply: z_size, enc_rnn_size, dec_rnn_size, hierarchical."""
    def layer_sizes(pattern: str) -> list[int]:
        sizes, j = [], 0
        while pattern.format(j) in variables:
            sizes.append(int(variables[pattern.format(j)].shape[1]) // 4)
            j += 1
        return sizes

    arch: dict = {}
    if "encoder/mu/kernel" in variables:
        arch["z_size"] = int(variables["encoder/mu/kernel"].shape[1])
    enc = layer_sizes("encoder/cell_{}/bidirectional_rnn/fw/multi_rnn_cell/cell_0/lstm_cell/kernel")
    if enc:
        arch["enc_rnn_size"] = enc
    hierarchical = "decoder/hierarchical_level_0/initial_state/kernel" in variables
    arch["hierarchical"] = hierarchical
    dec = layer_sizes("decoder/hierarchical_level_0/cell_{}/lstm_cell/kernel" if hierarchical
                      else "decoder/multi_rnn_cell/cell_{}/lstm_cell/kernel")
    if dec:
        arch["dec_rnn_size"] = dec
    return arch


def _config_for(variables: dict[str, np.ndarray], config_name: str, hparams: str) -> ModelConfig:
    """The config, with layer sizes the user did not set taken from the checkpoint."""
    config = get_config(config_name, hparams)
    arch = infer_architecture(variables)
    given = parsed_names(hparams)
    taken = {k: v for k, v in arch.items()
             if k in ("z_size", "enc_rnn_size", "dec_rnn_size") and k not in given}
    if bool(config.hierarchical) != arch["hierarchical"]:
        return config  # structure differs: the variable comparison reports it
    changed = {k: v for k, v in taken.items() if getattr(config.hparams, k) != v}
    if changed:
        LOG.info("layer sizes taken from the checkpoint for %s: %s", config_name, changed)
        config = get_config(config_name, ",".join(
            [hparams] * bool(hparams) + [f"{k}=[{','.join(map(str, v))}]" if isinstance(v, list)
                                         else f"{k}={v}" for k, v in changed.items()]))
    return config


def assign_weights(model, variables: dict[str, np.ndarray], source: str) -> None:
    """Copy checkpoint tensors into the model; any missing/unexpected/mis-shaped name is an error."""
    expected = model.magenta_variables()
    weights = {k: v for k, v in variables.items() if _is_weight(k)}
    missing = sorted(set(expected) - set(weights))
    unexpected = sorted(set(weights) - set(expected))
    mismatched = sorted(
        f"{name}: checkpoint {list(weights[name].shape)} vs model {list(expected[name].shape)}"
        for name in set(expected) & set(weights) if tuple(weights[name].shape) != tuple(expected[name].shape))
    if missing or unexpected or mismatched:
        lines = [f"checkpoint {source} does not match config {model.config.name} "
                 f"(hparams {model.config.hparams.to_string()}):"]
        if mismatched:
            lines.append("  shape mismatches:\n    " + "\n    ".join(mismatched))
        if missing:
            lines.append("  missing from the checkpoint:\n    " + "\n    ".join(missing))
        if unexpected:
            lines.append("  in the checkpoint but not in the model:\n    " + "\n    ".join(unexpected))
        arch = infer_architecture(weights)
        lines.append(f"  the checkpoint's variables imply: {arch}")
        raise CheckpointMismatchError("\n".join(lines))
    for name, variable in expected.items():
        variable.assign(np.asarray(weights[name], variable.dtype))


def load_model(path: str | os.PathLike, config_name: str | None = None, hparams: str = ""):
    """A MusicVAE with the weights of a magenta checkpoint (dir, prefix, .tar) or a Serenade one.

    For magenta checkpoints the layer sizes (z_size, enc_rnn_size, dec_rnn_size) the hparams do
    not set are read from the variables; everything else comes from the config. For Serenade
    checkpoints the stored config and hparams are used unless `config_name` is given.
    """
    from serenade.models.vae import MusicVAE

    variables, metadata = read_checkpoint(path)
    if metadata is not None and not config_name:
        config = get_config(metadata["config"], metadata["hparams"])
        if hparams:
            config = get_config(metadata["config"], metadata["hparams"] + "," + hparams)
    else:
        if not config_name:
            raise ValueError(f"{path}: a magenta checkpoint needs a config name (e.g. cat-mel_2bar_small)")
        config = _config_for(variables, config_name, hparams)
    model = MusicVAE(config)
    model.build()
    assign_weights(model, variables, str(path))
    step = variables.get("global_step")
    model.global_step = int(step) if step is not None else 0
    return model


def save_model(model, directory: str | os.PathLike, step: int | None = None, *,
               dtype: str = "float32") -> Path:
    """Write the model to `directory` in the Serenade format (see module docstring).

    `dtype="float16"` halves the size (for shipping); loading casts back to float32.
    """
    if dtype not in ("float32", "float16"):
        raise ValueError(f"checkpoint dtype must be float32 or float16, got {dtype!r}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    step = int(step if step is not None else getattr(model, "global_step", 0) or 0)
    prefix_name = f"model.ckpt-{step}"
    tensors = {name: v.numpy().astype(dtype) for name, v in model.magenta_variables().items()}
    tensors["global_step"] = np.asarray(step, np.int64)
    names = sorted(tensors)
    tf.raw_ops.SaveV2(prefix=str(directory / prefix_name), tensor_names=names,
                      shape_and_slices=[""] * len(names),
                      tensors=[tf.constant(tensors[n]) for n in names])
    (directory / "checkpoint").write_text(
        f'model_checkpoint_path: "{prefix_name}"\nall_model_checkpoint_paths: "{prefix_name}"\n')
    metadata = {"format": FORMAT, "version": FORMAT_VERSION, "config": model.config.name,
                "hparams": model.config.hparams.to_string(), "global_step": step,
                "checkpoint": prefix_name}
    (directory / METADATA).write_text(json.dumps(metadata, indent=1) + "\n")
    return directory
