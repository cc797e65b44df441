"""Load magenta checkpoints (directory, prefix or published .tar) and save/load our own.

Serenade checkpoint format (a directory):
- `serenade.json`: {"format": "serenade-musicvae", "version": 1, "config": NAME,
  "hparams": every hparam in magenta syntax, "global_step": N, "checkpoint": PREFIX};
- `PREFIX.index` + `PREFIX.data-00000-of-00001` (PREFIX = `model.ckpt-N`): a TensorFlow V2
  checkpoint bundle holding each weight under its magenta variable name (plus `global_step`
  and, when the model has one, its fitted latent prior: `serenade.models.latent_prior`),
  float32, bit for bit (or float16 when saved so, for shipping); and a `checkpoint` index file, so that magenta and
  `tf.train.latest_checkpoint` read the directory too.

A checkpoint that cannot be used (truncated or corrupt files, a bad `serenade.json`, a tar
bundle that is not one) raises CheckpointError naming the file and the reason. Tar bundles are
extracted with the same checks as source archives (`serenade.sources.archives`), capped at
BUNDLE_SLACK_BYTES + BUNDLE_EXPANSION times the bundle's own size.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import re
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf

from serenade.errors import UserError, one_line
from serenade.models import latent_prior as priors
from serenade.models import precision as precisions
from serenade.models import magenta_layout as layout
from serenade.models import pretrained
from serenade.models.pretrained import METADATA
from serenade.models.configs import ModelConfig, get_config
from serenade.models.hparams import parsed_names
from serenade.models.weights import compare
from serenade.sources.archives import ArchiveError, ArchiveLimits, extract_archive
from serenade.sources.listing import Listing

LOG = logging.getLogger(__name__)
FORMAT = "serenade-musicvae"
FORMAT_VERSION = 1
# Variables a checkpoint may hold that are not model weights (training state).
_IGNORED_SUFFIXES = ("/Adam", "/Adam_1")
_IGNORED_NAMES = {"global_step", "beta1_power", "beta2_power"}
# A tar bundle may unpack to at most this: magenta's bundles are tars of float32 weights, which
# do not shrink when compressed, so a bundle that unpacks to much more than its size is a bomb.
BUNDLE_SLACK_BYTES = 64 << 20
BUNDLE_EXPANSION = 4
_DATA_FILE = re.compile(r"\.data-\d{5}-of-\d{5}$")


class CheckpointError(UserError, ValueError):
    """A checkpoint that cannot be used; the message names the file and the reason."""


class CheckpointMismatchError(UserError, ValueError):
    """The checkpoint's variables do not fit the requested config (the message lists them)."""


def _is_weight(name: str) -> bool:
    return (name not in _IGNORED_NAMES and not name.endswith(_IGNORED_SUFFIXES)
            and name not in priors.TENSOR_NAMES)


def _read_prefix(prefix: str) -> dict[str, np.ndarray]:
    """Every tensor under a checkpoint prefix; CheckpointError naming the file that is bad."""
    try:
        reader = tf.train.load_checkpoint(prefix)
        names = reader.get_variable_to_shape_map()
    except (tf.errors.OpError, ValueError, IndexError) as error:
        raise CheckpointError(f"{prefix}.index: not a readable checkpoint index "
                              f"({one_line(error)})") from None
    data = ", ".join(sorted(glob.glob(glob.escape(prefix) + ".data-*"))) or f"{prefix}.data-*"
    tensors = {}
    for name in names:
        try:
            tensors[name] = reader.get_tensor(name)
        except (tf.errors.OpError, ValueError, IndexError, RuntimeError) as error:
            raise CheckpointError(f"{data}: cannot read tensor {name!r}: the file is missing, "
                                  f"truncated or corrupt ({one_line(error)})") from None
    return tensors


def bundle_limits(size: int) -> ArchiveLimits:
    """Caps for extracting a checkpoint bundle of `size` bytes (see BUNDLE_EXPANSION)."""
    cap = BUNDLE_SLACK_BYTES + BUNDLE_EXPANSION * size
    return ArchiveLimits(max_members=10_000, max_unpacked_bytes=cap, max_member_bytes=cap, setting="")


def is_checkpoint_file(name: str) -> bool:
    """Files a checkpoint bundle needs: PREFIX.index, PREFIX.data-*, `checkpoint`, serenade.json."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base in ("checkpoint", METADATA) or base.endswith(".index") or bool(_DATA_FILE.search(base))


def _read_bundle(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a tar bundle (magenta's published format), extracted safely and capped."""
    with tempfile.TemporaryDirectory(prefix="serenade-ckpt-") as temp:
        listing = Listing(source=path.name)
        try:
            extract_archive(path, temp, listing, bundle_limits(path.stat().st_size),
                            wanted=is_checkpoint_file, unwanted_reason="not a checkpoint file")
        except ArchiveError as error:
            raise CheckpointError(f"{path}: not a usable checkpoint bundle: "
                                  f"{str(error).removeprefix(path.name + ': ')}") from None
        if listing.failed:  # a damaged or hostile bundle: nothing in it is trusted
            entry = listing.failed[0]
            raise CheckpointError(f"{path}: not a usable checkpoint bundle: member "
                                  f"{entry['path'].split('!', 1)[-1]!r}: {entry['reason']}")
        indexes = sorted(entry["file"] for entry in listing.files if entry["file"].endswith(".index"))
        if not indexes:
            raise FileNotFoundError(f"{path}: the tar bundle holds no checkpoint (*.index)")
        try:
            return _read_prefix(indexes[0][: -len(".index")])
        except CheckpointError as error:  # name the member of the bundle, not the temporary copy
            raise CheckpointError(str(error).replace(temp + os.sep, f"{path}!")) from None


def _read_metadata(directory: Path) -> dict:
    """serenade.json, checked: CheckpointError naming it when it is not ours or is damaged."""
    path = directory / METADATA
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: not readable JSON ({error})") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a {FORMAT} checkpoint (\"format\" is not {FORMAT!r})")
    wrong = [key for key in ("config", "hparams", "checkpoint") if not isinstance(metadata.get(key), str)]
    if wrong:
        raise CheckpointError(f"{path}: {', '.join(wrong)} missing or not a string")
    if not metadata["checkpoint"] or Path(metadata["checkpoint"]).name != metadata["checkpoint"]:
        raise CheckpointError(f"{path}: \"checkpoint\" must name a prefix in this folder, "
                              f"got {metadata['checkpoint']!r}")
    try:
        get_config(metadata["config"], metadata["hparams"])
    except ValueError as error:
        raise CheckpointError(f"{path}: {error}") from None
    return metadata


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


def stored_config(path: str | os.PathLike) -> str | None:
    """The config name a Serenade checkpoint folder (or `pretrained:NAME`) was saved with; None
    for anything else (magenta's checkpoints name none). CheckpointError when its
    serenade.json is damaged."""
    path = pretrained.resolve(path)
    if path.is_dir() and (path / METADATA).exists():
        return _read_metadata(path)["config"]
    return None


def read_checkpoint(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict | None]:
    """All tensors of a checkpoint and our metadata (None for magenta checkpoints).

    `path`: a directory (latest checkpoint in it), a checkpoint prefix (`.../model.ckpt-500`),
    a tar bundle as magenta publishes (`cat-mel_2bar_big.tar`), or `pretrained:NAME`.
    """
    path = pretrained.resolve(path)
    if path.is_file() and tarfile.is_tarfile(path):
        return _read_bundle(path), None
    if path.is_dir():
        metadata = None
        if (path / METADATA).exists():
            metadata = _read_metadata(path)
            prefix = str(path / metadata["checkpoint"])
        else:
            prefix = _prefix_in_directory(path)
        return _read_prefix(prefix), metadata
    if Path(str(path) + ".index").exists():
        return _read_prefix(str(path)), None
    raise FileNotFoundError(
        f"{path}: not a checkpoint directory, checkpoint prefix (PREFIX.index) or .tar bundle")


def infer_architecture(variables: dict[str, np.ndarray]) -> dict:
    """Sizes the checkpoint's variables imply: z_size, enc_rnn_size, dec_rnn_size, hierarchical
    (the decoder), hierarchical_encoder (and nade_num_hidden for a NADE decoder)."""
    def layer_sizes(pattern: str) -> list[int]:
        sizes, j = [], 0
        while pattern.format(j) in variables:
            sizes.append(int(variables[pattern.format(j)].shape[1]) // 4)
            j += 1
        return sizes

    arch: dict = {}
    if "encoder/mu/kernel" in variables:
        arch["z_size"] = int(variables["encoder/mu/kernel"].shape[1])
    level_0 = layout.hierarchical_encoder_level(0)
    hierarchical_encoder = any(name.startswith(level_0 + "/") for name in variables)
    encoder_prefix = level_0 if hierarchical_encoder else layout.ENCODER
    enc = layer_sizes(
        encoder_prefix + "/cell_{}/bidirectional_rnn/fw/multi_rnn_cell/cell_0/lstm_cell/kernel")
    if enc:
        arch["enc_rnn_size"] = enc
    arch["hierarchical_encoder"] = hierarchical_encoder
    hierarchical = "decoder/hierarchical_level_0/initial_state/kernel" in variables
    arch["hierarchical"] = hierarchical
    dec = layer_sizes("decoder/hierarchical_level_0/cell_{}/lstm_cell/kernel" if hierarchical
                      else "decoder/multi_rnn_cell/cell_{}/lstm_cell/kernel")
    if dec:
        arch["dec_rnn_size"] = dec
    if f"{layout.NADE}/w_enc" in variables:
        arch["nade_num_hidden"] = int(variables[f"{layout.NADE}/w_enc"].shape[2])
    return arch


def _config_for(variables: dict[str, np.ndarray], config_name: str, hparams: str) -> ModelConfig:
    """The config, with layer sizes the user did not set taken from the checkpoint."""
    config = get_config(config_name, hparams)
    arch = infer_architecture(variables)
    given = parsed_names(hparams)
    taken = {k: v for k, v in arch.items()
             if k in ("z_size", "enc_rnn_size", "dec_rnn_size", "nade_num_hidden")
             and k not in given and k in config.hparams}
    if (bool(config.hierarchical) != arch["hierarchical"]
            or bool(config.encoder_level_lengths) != arch["hierarchical_encoder"]):
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
    weights = {k: v for k, v in variables.items() if _is_weight(k)}
    comparison = model.compare_weights(weights)
    if comparison.missing or comparison.unexpected or comparison.mismatched:
        lines = [f"checkpoint {source} does not match config {model.config.name} "
                 f"(hparams {model.config.hparams.to_string()}):"]
        for title, names in (("shape mismatches", comparison.mismatched),
                             ("missing from the checkpoint", comparison.missing),
                             ("in the checkpoint but not in the model", comparison.unexpected)):
            if names:
                lines.append(f"  {title}:\n    " + "\n    ".join(names))
        lines.append(f"  the checkpoint's variables imply: {infer_architecture(weights)}")
        raise CheckpointMismatchError("\n".join(lines))
    model.assign_magenta_weights(weights, source)


def decoder_weights(model, path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The weights of `model` with its decoder's taken from the checkpoint at `path` (its own
    config may differ, e.g. another encoder): the start of a model that reuses a trained
    decoder. CheckpointMismatchError naming the decoder variables that are missing or
    mis-shaped."""
    variables, _ = read_checkpoint(path)
    wanted = model.decoder.magenta_variables()
    comparison = compare(wanted, variables)  # the checkpoint's other variables do not matter
    if comparison.missing or comparison.mismatched:
        problems = comparison.mismatched + [f"{name}: missing" for name in comparison.missing]
        raise CheckpointMismatchError(
            f"checkpoint {path}: its decoder does not fit config {model.config.name} (hparams "
            f"{model.config.hparams.to_string()}): " + "; ".join(problems[:8]))
    weights = model.numpy_weights()
    weights.update({name: np.asarray(variables[name]) for name in wanted})
    return weights


def load_model(path: str | os.PathLike, config_name: str | None = None, hparams: str = "",
               precision: str = "float32"):
    """A MusicVAE with the weights of a magenta checkpoint (dir, prefix, .tar) or a Serenade one
    (a `serenade.models.groove.GrooveVAE` for a GrooVAE config).

    `precision` (`serenade.models.precision`: float32, auto or a mixed policy) is the policy its
    TensorFlow layers compute in (the encoder) and the precision of numpy decoding's products
    (`serenade.models.products`); float32 gives magenta's numbers.

    For magenta checkpoints the layer sizes (z_size, enc_rnn_size, dec_rnn_size) the hparams do
    not set are read from the variables; everything else comes from the config. For Serenade
    checkpoints the stored config and hparams are used unless `config_name` is given.
    """
    from serenade.models.vae import build_model

    variables, metadata = read_checkpoint(path)
    if metadata is not None and not config_name:
        config = get_config(metadata["config"], metadata["hparams"])
        if hparams:
            config = get_config(metadata["config"], metadata["hparams"] + "," + hparams)
    else:
        if not config_name:
            raise ValueError(f"{path}: a magenta checkpoint needs a config name (e.g. cat-mel_2bar_small)")
        config = _config_for(variables, config_name, hparams)
    with precisions.policy_scope(precisions.detect(precision)):
        model = build_model(config)
        model.build()
    assign_weights(model, variables, str(path))
    try:
        model.latent_prior = priors.LatentPrior.from_tensors(variables, model.z_size)
    except ValueError as error:
        raise CheckpointError(f"{path}: {error}") from None
    if hasattr(model, "use_decoding_precision"):  # GrooVAE decodes with its TensorFlow layers
        decoding = model.use_decoding_precision(precision)
        if decoding.mixed:
            LOG.info("%s: decoding with %s products (%s)", path, decoding.compute_dtype,
                     decoding.reason)
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
    if getattr(model, "latent_prior", None) is not None:
        tensors.update({name: value.astype(dtype) if value.dtype.kind == "f" else value
                        for name, value in model.latent_prior.tensors().items()})
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
