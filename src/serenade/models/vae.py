"""MusicVAE as a Keras model: BiLSTM encoder (flat or hierarchical), Gaussian posterior, flat or
hierarchical decoder.

Training API: `model(windows, sampling_probability=p, training=True)` returns a dict of
`logits` [B, T, 90], `mu`, `sigma` and the sampled `z` [B, z_size] (differentiable, works under
`tf.GradientTape` and `tf.distribute` strategies; variables are created in `build`).
Inference API (numpy in, numpy out): `encode`, `decode`, `sample`, `similar` (interpolations
and journeys: `serenade.models.latent_paths.walk`).

Configs with controls (`config.control_depth` > 0: a chord one-hot per step, magenta's
`c_input`) take `controls` [n, T, control_depth] beside the windows everywhere (the training
call too); the encoder reads [event, control] per step and the decoder [previous event, z,
control]. Decoding takes one control sequence [T, control_depth] for all rows, as magenta's
`TrainedModel`, or one per row. Configs without controls take none.
Decoding runs the decoder's weights in numpy (`serenade.models.numpy_decoder`), prepared once
and kept until the weights change: `assign_magenta_weights` and the trainer's steps say so
through `weights_changed()`, which any other code that assigns variables must call too.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from serenade.models import interpolation
from serenade.models import latent_prior as priors
from serenade.models import parts
from serenade.models import precision as precisions
from serenade.models import products
from serenade.models.configs import ModelConfig
from serenade.models.decoders import FlatDecoder, HierarchicalDecoder
from serenade.models.encoder import BidirectionalEncoder
from serenade.models.groove import GrooveVAE
from serenade.models.hierarchical_encoder import ROW_BUCKET, HierarchicalEncoder
from serenade.models.heads import NadeHead
from serenade.models.numpy_decoder import NumpyDecoder
from serenade.models.weights import VaeWeights
from serenade.models import objective as objectives


class MusicVAE(VaeWeights, keras.Model):
    """magenta's MusicVAE (categorical configs) with magenta-compatible weights."""

    CONTROLS = "a control per step (a chord)"

    def __init__(self, config: ModelConfig, **kwargs) -> None:
        kwargs.setdefault("name", "music_vae")
        super().__init__(**kwargs)
        self.config = config
        if config.groove:
            raise ValueError(f"config {config.name} is a GrooVAE config: its model is "
                             "serenade.models.groove.GrooveVAE (serenade.models.vae.build_model)")
        self.part_depths = config.part_depths
        self.index_dtype = parts.index_dtype(self.part_depths)  # int64: 2**61 drum combinations
        self.output_depth = config.output_depth  # of a categorical head (a NADE's is wider)
        hp = config.hparams
        self.z_size = int(hp.z_size)
        self._numpy_decoder: NumpyDecoder | None = None
        self.decoding = precisions.for_decoding(precisions.FLOAT32)  # `use_decoding_precision`
        self.window_steps = int(hp.max_seq_len)
        self.control_depth = config.control_depth
        self.padded = config.padded
        if self.control_depth and (config.multi_label or (
                config.hierarchical and config.hierarchical.split_parts)):
            raise ValueError(f"config {config.name}: controls are not supported with a NADE "
                             "or one core decoder per part")
        if config.encoder_level_lengths:
            self.encoder = HierarchicalEncoder(hp.enc_rnn_size, config.encoder_level_lengths,
                                               self.part_depths, hp.dropout_keep_prob,
                                               inputs=config.encoder_inputs,
                                               control_depth=self.control_depth,
                                               padded=self.padded, name="encoder")
        else:
            self.encoder = BidirectionalEncoder(hp.enc_rnn_size, self.part_depths,
                                                hp.dropout_keep_prob,
                                                inputs=config.encoder_inputs,
                                                control_depth=self.control_depth, name="encoder")
        self.add_posterior_layers()
        if config.hierarchical:
            self.decoder = HierarchicalDecoder(hp.dec_rnn_size, self.z_size,
                                               config.hierarchical.level_lengths, self.part_depths,
                                               hp.dropout_keep_prob,
                                               split_parts=config.hierarchical.split_parts,
                                               control_depth=self.control_depth,
                                               name="decoder")
        else:
            # float32 under mixed precision too: the NADE is the output distribution and its loss
            head = (NadeHead(config.decoder_inputs.bits, hp.nade_num_hidden, name="nade",
                             dtype="float32")
                    if config.multi_label else None)
            self.decoder = FlatDecoder(hp.dec_rnn_size, self.z_size, self.part_depths,
                                       hp.dropout_keep_prob, head=head,
                                       inputs=config.decoder_inputs,
                                       control_depth=self.control_depth, name="decoder")
        self.head = self.decoder.head

    # ----------------------------------------------------------------- building and weights
    def weights_changed(self) -> None:
        """Drop the prepared numpy decoder: the next decode reads the weights again."""
        self._numpy_decoder = None

    def use_decoding_precision(self, requested: str) -> precisions.Precision:
        """Decode (`decode`, `sample`, ...) with the products of `requested` (float32, auto or a
        mixed policy: `precision.for_decoding`); returns the choice, for the log."""
        self.decoding = precisions.for_decoding(requested)
        self.weights_changed()
        return self.decoding

    def numpy_decoder(self) -> NumpyDecoder:
        """The decoder prepared for numpy from the current weights (built on first use)."""
        if self._numpy_decoder is None:
            hierarchy = self.config.hierarchical.level_lengths if self.config.hierarchical else None
            split = bool(self.config.hierarchical and self.config.hierarchical.split_parts)
            self._numpy_decoder = NumpyDecoder(
                self.numpy_weights(), layers=len(self.decoder.layer_sizes), hierarchy=hierarchy,
                steps=self.window_steps, part_depths=self.part_depths, split_parts=split,
                inputs=self.config.decoder_inputs,
                nade_hidden=self.head.hidden if self.config.multi_label else None,
                control_depth=self.control_depth, products=products.for_precision(self.decoding))
        return self._numpy_decoder

    # ----------------------------------------------------------------- training forward pass
    def posterior(self, windows, controls=None, training: bool = False,
                  segment_rows: int | None = None) -> tuple[tf.Tensor, tf.Tensor]:
        """mu and sigma [B, z_size] of q(z | window) for int windows [B, T] (and their
        controls [B, T, control_depth] when the config has them); `segment_rows`: see
        `rows_needed`."""
        rows = {} if segment_rows is None else {"segment_rows": segment_rows}
        return self.latent(self.encoder(windows, controls, training=training, **rows))

    def latent(self, encoding: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """mu and sigma [B, z_size] of an encoder's encoding [B, depth]."""
        return self.mu_layer(encoding), self.sigma_layer(encoding)

    def rows_needed(self, batch) -> int | None:
        """For a batch of padded windows (multi-instrument performances): the rows of each
        track the encoder reads and the decoder decodes, its longest track's rounded up to a
        multiple of ROW_BUCKET, so a train step is traced for a few lengths only; None for
        other windows. The loss and its gradients are the same as over whole tracks."""
        if not self.padded:
            return None
        windows, _ = objectives.batch_parts(batch)
        classes = np.asarray(windows)
        classes = classes[..., 0] if classes.ndim == 3 else classes
        length = self.encoder.level_lengths[0]
        longest = int((classes.reshape(-1, length) >= 0).sum(axis=1).max(initial=0))
        return min(length, max(ROW_BUCKET, -(-longest // ROW_BUCKET) * ROW_BUCKET))

    def call(self, windows, controls=None, sampling_probability=0.0,
             training: bool = False, segment_rows: int | None = None) -> dict[str, tf.Tensor]:
        windows = tf.cast(windows, self.index_dtype)
        mu, sigma = self.posterior(windows, controls, training=training,
                                   segment_rows=segment_rows)
        z = mu + sigma * tf.random.normal(tf.shape(mu), dtype=mu.dtype)
        rows = {} if segment_rows is None else {"segment_rows": segment_rows}
        logits = self.decoder.logits(z, windows, sampling_probability=sampling_probability,
                                     training=training, **self._decoder_controls(controls),
                                     **rows)
        return {"logits": logits, "mu": mu, "sigma": sigma, "z": z}

    def objective(self, batch, *, free_bits: float, sampling_probability=0.0,
                  training: bool = False, segment_rows: int | None = None) -> objectives.Terms:
        """The objective's terms of a batch of windows (or (windows, controls)): what the train
        step and the evaluation average, whatever the model family."""
        windows, controls = objectives.batch_parts(batch)
        out = self(windows, controls, sampling_probability=sampling_probability,
                   training=training, segment_rows=segment_rows)
        return objectives.terms(windows, out, free_bits=free_bits, head=self.head)

    def _decoder_controls(self, controls) -> dict:
        """The keyword a decoder with controls takes them by (none for the others)."""
        return {"controls": controls} if self.control_depth else {}

    # ----------------------------------------------------------------- inference
    @property
    def window_shape(self) -> tuple[int, ...]:
        """One window: (T,) of classes, or (T, P) with one class per part."""
        parts = len(self.part_depths)
        return (self.window_steps,) if parts == 1 else (self.window_steps, parts)

    def _check_windows(self, windows) -> np.ndarray:
        windows = np.asarray(windows)
        if windows.ndim == len(self.window_shape):
            windows = windows[None]
        if windows.shape[1:] != self.window_shape:
            raise ValueError(f"windows must be [n, {', '.join(map(str, self.window_shape))}] event "
                             f"classes for config {self.config.name}, got shape {windows.shape}")
        by_part = windows.reshape(len(windows), self.window_steps, -1)
        lowest = -1 if self.padded else 0  # -1: a padding row
        for k, depth in enumerate(self.part_depths):
            if by_part.size and (by_part[..., k].min() < lowest
                                 or by_part[..., k].max() >= depth):
                raise ValueError(f"event classes must be in {lowest}..{depth - 1}"
                                 + (f" (part {k})" if len(self.part_depths) > 1 else ""))
        return windows.astype(self.index_dtype.as_numpy_dtype)

    def encode(self, windows, seed: int | None = None, *, controls=None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(z, mu, sigma) float32 [n, z_size] for int windows [n, T] (or [n, T, P]), with their
        controls when the config has them (`check_controls`); z ~ N(mu, sigma)."""
        self.build()
        windows = self._check_windows(windows)
        return self.sampled_posterior(windows, self.check_controls(controls, len(windows)), seed)

    @tf.function(reduce_retracing=True)
    def _posterior_fn(self, windows, controls):
        return self.posterior(windows, controls, training=False)

    def decode(self, z, temperature: float = 1.0, seed: int | None = None,
               keep_logits: bool = True, *, controls=None) -> tuple[np.ndarray, np.ndarray | None]:
        """Events int [n, T] (or [n, T, P]) and the logits [n, T, depth] along the way, decoded
        from z [n, z_size] (with the controls, when the config has them: `check_controls`).

        Each step draws from softmax(logits / temperature); temperature 0 takes the argmax.
        """
        self.build()
        z = np.asarray(z, np.float32)
        if z.ndim == 1:
            z = z[None]
        if z.ndim != 2 or z.shape[1] != self.z_size:
            raise ValueError(f"z must be [n, {self.z_size}] for config {self.config.name}, got {z.shape}")
        return self.numpy_decoder().decode(z, temperature, np.random.default_rng(seed),
                                           keep_logits=keep_logits,
                                           controls=self.check_controls(controls, len(z)))

    def sample(self, n: int, temperature: float = 1.0, seed: int | None = None,
               keep_logits: bool = True, *, controls=None, prior: str = priors.STANDARD
               ) -> tuple[np.ndarray, np.ndarray | None]:
        """Decode n random z (magenta's `sample`): (events [n, T], logits). z come from the
        model's fitted latent prior when it has one and `prior` is "fitted", else N(0, I)."""
        rng = np.random.default_rng(seed)
        z = self.prior_draws(n, rng, prior)
        return self.decode(z, temperature, seed=int(rng.integers(2**31)), keep_logits=keep_logits,
                           controls=controls)

    def similar(self, window, n: int, similarity: float, temperature: float = 0.5,
                seed: int | None = None, *, controls=None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """magenta.js `similar`: n variations of a window, z = s * mu + (1 - s) * noise (the
        window's controls, when the config has them, for encoding and every variation)."""
        rng = np.random.default_rng(seed)
        _, mu, _ = self.encode(np.asarray(window).reshape((1,) + self.window_shape),
                               controls=controls)
        z = interpolation.similar_z(mu[0], n, similarity, rng)
        events, logits = self.decode(z, temperature, seed=int(rng.integers(2**31)),
                                     controls=controls)
        return z, events, logits


def build_model(config: ModelConfig) -> keras.Model:
    """The model of a config: a `MusicVAE`, or a `serenade.models.groove.GrooveVAE` for a
    GrooVAE config (float windows)."""
    if config.groove:
        return GrooveVAE(config)
    return MusicVAE(config)
