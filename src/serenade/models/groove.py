"""GrooVAE: magenta's MusicVAE with a `BidirectionalLstmEncoder` over float windows and a
`GrooveLstmDecoder`, with magenta-compatible weights.

A window is float [T, 3 * drums] (the GrooVAE converter's, `serenade.groove`): per step, the
hit (0 or 1), velocity (0..1) and offset (-1..1) of every drum class, laid out
[hits | velocities | offsets]. The encoder's inputs are the converter's `inputs` (changed by
humanize, tapify, ...), the decoder's targets its `outputs`; a config with controls (magenta's
`hits_as_controls`: the output hits per step) appends them to every encoder and decoder step.

- Encoder: the bidirectional LSTM stack of `serenade.models.encoder` reading the vectors as they
  are ([x, c] per step, magenta's `MusicVAE.encode`); mu = Dense(z), sigma = softplus(Dense(z)).
- Decoder (magenta's `BaseLstmDecoder` with the groove decoder's `_sample` and loss): initial
  state tanh(Dense(z)) split c0, h0, c1, h1, ...; the input at step t is [y(t-1), z, c(t)] with
  y(-1) = 0; the output projection gives 3 * drums raw outputs per step: hit logits, velocity
  and offset pre-activations.
- Loss of a step (magenta's `_flat_reconstruction_loss`, nothing masked by the hits): the hits'
  log loss on sigmoid(logits) (tf.losses.log_loss: -y log(p + 1e-7) - (1 - y) log(1 - p + 1e-7))
  plus the squared errors of sigmoid(velocities) and tanh(offsets), each summed over the drum
  classes; r_loss sums the steps. The objective is magenta's (as `serenade.models.objective`
  computes it for the other configs): mean(r_loss) + beta * mean(max(KL - free_bits ln 2, 0)).
- Decoding (magenta's `_sample`): each step's hits are drawn from Bernoulli(sigmoid(logits /
  temperature)) (temperature 0: logits > 0, the greedy hits), velocities are sigmoid, offsets
  tanh, and the step's [hits, velocities, offsets] is fed to the next step.

magenta's GrooVAE configs train with teacher forcing (constant sampling schedule, rate 0) and
dropout on every LSTM input (dropout_keep_prob 0.3), both honoured by `call`.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from serenade.models import interpolation
from serenade.models import latent_prior as priors
from serenade.models import magenta_layout as layout
from serenade.models import precision as precisions
from serenade.models.configs import ModelConfig
from serenade.models.decoders import cell_stack, initial_state_layer, output_layer
from serenade.models.encoder import BidirectionalEncoder
from serenade.models.lstm import STATE_DTYPE, split_initial_state
from serenade.models.recurrence import run_recurrence
from serenade.models.weights import VaeWeights
from serenade.models import objective as objectives

LOG_LOSS_EPSILON = 1e-7  # tf.losses.log_loss's default epsilon, which magenta's loss keeps


def split_outputs(values: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """[.., 3 * drums] -> hits, velocities, offsets [.., drums] each (magenta's layout)."""
    return tuple(tf.split(values, 3, axis=-1))


def activated(raw: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """The decoder's raw outputs made values: sigmoid hit probabilities, sigmoid velocities,
    tanh offsets (magenta's `_activate_outputs`)."""
    hits, velocities, offsets = split_outputs(tf.cast(raw, tf.float32))
    return tf.sigmoid(hits), tf.sigmoid(velocities), tf.tanh(offsets)


def step_losses(targets: tf.Tensor, raw: tf.Tensor) -> dict[str, tf.Tensor]:
    """magenta's GrooveLstmDecoder loss of each step, [..] each: `hits` (log loss summed over
    drums), `velocities` and `offsets` (squared errors summed over drums), and their sum
    `loss`. targets, raw: [.., 3 * drums]."""
    target_hits, target_velocities, target_offsets = split_outputs(tf.cast(targets, tf.float32))
    hits, velocities, offsets = activated(raw)
    hits_loss = tf.reduce_sum(
        -target_hits * tf.math.log(hits + LOG_LOSS_EPSILON)
        - (1.0 - target_hits) * tf.math.log(1.0 - hits + LOG_LOSS_EPSILON), axis=-1)
    velocities_loss = tf.reduce_sum(tf.square(velocities - target_velocities), axis=-1)
    offsets_loss = tf.reduce_sum(tf.square(offsets - target_offsets), axis=-1)
    return {"hits": hits_loss, "velocities": velocities_loss, "offsets": offsets_loss,
            "loss": hits_loss + velocities_loss + offsets_loss}


def reconstruction_loss(targets: tf.Tensor, raw: tf.Tensor) -> tf.Tensor:
    """r_loss of each example [B]: the step losses summed over time (every GrooVAE window is
    full length). targets, raw: [B, T, 3 * drums]."""
    return tf.reduce_sum(step_losses(targets, raw)["loss"], axis=1)


class GrooveDecoder(keras.layers.Layer):
    """magenta's GrooveLstmDecoder: stacked LSTMBlockCells fed [y(t-1), z, c(t)], an output
    projection to hit logits, velocity and offset pre-activations."""

    def __init__(self, layer_sizes: list[int], z_size: int, output_depth: int,
                 control_depth: int = 0, dropout_keep_prob: float = 1.0,
                 scopes: layout.FlatDecoderScopes = layout.FLAT_DECODER, **kwargs) -> None:
        super().__init__(**kwargs)
        self.layer_sizes = [int(s) for s in layer_sizes]
        self.z_size = int(z_size)
        self.output_depth = int(output_depth)
        if self.output_depth % 3:
            raise ValueError(f"a groove step is 3 values per drum class, got {output_depth}")
        self.rows = layout.InputRows(self.output_depth, self.z_size, int(control_depth))
        self.dropout_keep_prob = float(dropout_keep_prob)
        self.scopes = scopes
        self.initial_state = initial_state_layer(2 * sum(self.layer_sizes), "z_to_initial_state")
        self.cells = cell_stack(self.layer_sizes, self.rows.size)
        self.output_projection = output_layer(self.output_depth)

    @property
    def control_depth(self) -> int:
        return self.rows.control_depth

    def build(self, input_shape=None) -> None:
        self.initial_state.build((None, self.z_size))
        for cell in self.cells:
            cell.build()
        self.output_projection.build((None, self.layer_sizes[-1]))
        super().build(input_shape)

    def magenta_variables(self) -> dict[str, tf.Variable]:
        names = {}
        for dense, scope in ((self.initial_state, self.scopes.initial_state),
                             (self.output_projection, self.scopes.output_projection)):
            kernel, bias = layout.kernel_and_bias(scope)
            names.update({kernel: dense.kernel, bias: dense.bias})
        for j, cell in enumerate(self.cells):
            names.update(cell.magenta_variables(self.scopes.cell(j)))
        return names

    def _dropout(self, x: tf.Tensor, training: bool) -> tf.Tensor:
        if training and self.dropout_keep_prob < 1.0:
            return tf.nn.dropout(x, rate=1.0 - self.dropout_keep_prob)
        return x

    def initial_states(self, z: tf.Tensor) -> list[tuple[tf.Tensor, tf.Tensor]]:
        return [(tf.cast(h, STATE_DTYPE), tf.cast(c, STATE_DTYPE))
                for h, c in split_initial_state(self.initial_state(z), self.layer_sizes)]

    def _check_controls(self, controls):
        if self.control_depth and controls is None:
            raise ValueError("this decoder is fed a control vector per step: controls missing")
        if not self.control_depth and controls is not None:
            raise ValueError("this decoder takes no controls")

    def forced_outputs(self, z: tf.Tensor, targets: tf.Tensor, controls: tf.Tensor | None = None,
                       training: bool = False) -> tf.Tensor:
        """Teacher-forced raw outputs [B, T, 3 * drums] for target windows [B, T, 3 * drums]
        (magenta's TrainingHelper: y(t-1) fed, zeros first), given z [B, z_size] and the
        controls [B, T, control_depth] of a decoder with controls."""
        self._check_controls(controls)
        z = tf.cast(z, self.cells[0].kernel.dtype)
        targets = tf.cast(targets, z.dtype)
        fed = tf.pad(targets[:, :-1], [(0, 0), (1, 0), (0, 0)])
        steps = tf.shape(targets)[1]
        pieces = [fed, tf.broadcast_to(z[:, None], [tf.shape(z)[0], steps, self.z_size])]
        if self.control_depth:
            pieces.append(tf.cast(controls, z.dtype))
        inputs = tf.transpose(tf.concat(pieces, axis=-1), [1, 0, 2])  # [T, B, rows]
        outputs = inputs
        states = self.initial_states(z)
        for j, cell in enumerate(self.cells):
            projected = cell.project_inputs(self._dropout(outputs, training))
            h, c = states[j]
            outputs, _, _ = run_recurrence(projected, cell.recurrent_kernel, h, c)
        raw = self.output_projection(outputs)  # [T, B, depth]
        return tf.transpose(raw, [1, 0, 2])

    def free_running(self, z: tf.Tensor, noise: tf.Tensor, temperature: tf.Tensor,
                     controls: tf.Tensor | None = None) -> tuple[tf.Tensor, tf.Tensor]:
        """Decode z [n, z_size] step by step (magenta's `sample` with the groove `_sample`):
        (samples [n, T, 3 * drums], raw outputs [n, T, 3 * drums]). `noise` [n, T, drums],
        uniform in [0, 1), draws the hits: hit = noise < sigmoid(logits / temperature);
        temperature <= 0 takes hit = logits > 0."""
        self._check_controls(controls)
        z = tf.cast(z, self.cells[0].kernel.dtype)
        steps = noise.shape[1]
        first = self.cells[0]
        z_part = tf.matmul(z, first.kernel[self.rows.condition]) + first.bias
        control_part = None
        if self.control_depth:
            control_part = tf.einsum("btc,cg->btg", tf.cast(controls, z.dtype),
                                     first.kernel[self.rows.controls])
        token_kernel = first.kernel[self.rows.tokens]
        states = self.initial_states(z)
        previous = tf.zeros([tf.shape(z)[0], self.output_depth], z.dtype)
        greedy = temperature <= 0.0
        scale = tf.where(greedy, 1.0, temperature)
        samples, raws = [], []
        for t in range(steps):
            x = z_part + tf.matmul(previous, token_kernel)
            if control_part is not None:
                x += control_part[:, t]
            new_states = []
            for j, cell in enumerate(self.cells):
                if j > 0:
                    x = cell.project_inputs(h)
                h, c = cell.step(x, *states[j])
                new_states.append((h, c))
            states = new_states
            raw = self.output_projection(h)
            logits, velocities, offsets = split_outputs(raw)
            hits = tf.where(greedy, logits > 0.0,
                            noise[:, t] < tf.sigmoid(logits / scale))
            sample = tf.concat([tf.cast(hits, raw.dtype), tf.sigmoid(velocities),
                                tf.tanh(offsets)], axis=-1)
            samples.append(sample)
            raws.append(raw)
            previous = tf.cast(sample, z.dtype)
        return tf.stack(samples, axis=1), tf.stack(raws, axis=1)


class GrooveVAE(VaeWeights, keras.Model):
    """magenta's MusicVAE(BidirectionalLstmEncoder, GrooveLstmDecoder) for a GrooVAE config.

    Training: `model(inputs, outputs, controls=None, training=True)` -> dict of the raw
    `outputs` [B, T, 3 * drums], `mu`, `sigma` and the sampled `z`; `losses(...)` the
    objective. Inference (numpy in and out): `encode`, `decode`, `sample`, `interpolate`.
    """

    CONTROLS = "the hits per step"

    def __init__(self, config: ModelConfig, **kwargs) -> None:
        kwargs.setdefault("name", "music_vae")
        super().__init__(**kwargs)
        if not config.groove:
            raise ValueError(f"config {config.name} is not a GrooVAE config")
        self.config = config
        hp = config.hparams
        converter = config.converter
        self.z_size = int(hp.z_size)
        self.window_steps = int(hp.max_seq_len)
        self.input_depth = int(converter.input_depth)
        self.output_depth = int(converter.output_depth)
        self.control_depth = config.control_depth
        self.num_drums = self.output_depth // 3
        self.global_step = 0
        self.encoder = BidirectionalEncoder(hp.enc_rnn_size, dropout_keep_prob=hp.dropout_keep_prob,
                                            input_depth=self.input_depth + self.control_depth,
                                            name="encoder")
        self.add_posterior_layers()
        self.decoder = GrooveDecoder(hp.dec_rnn_size, self.z_size, self.output_depth,
                                     self.control_depth, hp.dropout_keep_prob, name="decoder")

    # ----------------------------------------------------------------- building and weights
    # ----------------------------------------------------------------- training forward pass
    def encoder_input(self, inputs, controls):
        """What the encoder reads: [inputs, controls] per step (magenta's `MusicVAE.encode`)."""
        inputs = tf.cast(inputs, tf.float32)
        if self.control_depth:
            if controls is None:
                raise ValueError(f"config {self.config.name} is conditioned on controls (the "
                                 "hits per step): controls are required")
            inputs = tf.concat([inputs, tf.cast(controls, tf.float32)], axis=-1)
        return inputs

    def posterior(self, inputs, controls=None, training: bool = False
                  ) -> tuple[tf.Tensor, tf.Tensor]:
        """mu and sigma [B, z_size] of q(z | inputs [B, T, input_depth]) (and the controls)."""
        encoding = self.encoder(self.encoder_input(inputs, controls), training=training)
        return self.mu_layer(encoding), self.sigma_layer(encoding)

    def call(self, inputs, outputs, controls=None, training: bool = False,
             z=None) -> dict[str, tf.Tensor]:
        """The raw decoder outputs for target windows `outputs`, teacher-forced; z is drawn
        from the posterior of `inputs` unless given."""
        mu, sigma = self.posterior(inputs, controls, training=training)
        if z is None:
            z = mu + sigma * tf.random.normal(tf.shape(mu), dtype=mu.dtype)
        raw = self.decoder.forced_outputs(z, outputs, controls if self.control_depth else None,
                                          training=training)
        return {"outputs": raw, "mu": mu, "sigma": sigma, "z": z}

    def _terms(self, inputs, outputs, controls, *, free_bits: float, training: bool, z
               ) -> tuple[objectives.Terms, dict[str, tf.Tensor]]:
        result = self(inputs, outputs, controls, training=training, z=z)
        steps = step_losses(outputs, result["outputs"])
        kl_dims, kl, kl_cost = objectives.latent_terms(result["mu"], result["sigma"], free_bits)
        logits = split_outputs(tf.cast(result["outputs"], tf.float32))[0]
        target_hits = split_outputs(tf.cast(outputs, tf.float32))[0]
        correct = tf.reduce_sum(tf.cast(tf.equal(logits > 0.0, target_hits > 0.5), tf.float32))
        length = tf.cast(tf.shape(target_hits)[1], tf.float32)
        terms = objectives.Terms(
            r_loss=tf.reduce_sum(steps["loss"], axis=1), kl_dims=kl_dims, kl=kl,
            kl_cost=kl_cost, correct=correct,
            predictions=tf.cast(tf.size(target_hits), tf.float32),
            parts={f"{k}_loss": tf.reduce_sum(steps[k], axis=1) / length
                   for k in ("hits", "velocities", "offsets")})
        return terms, result

    def objective(self, batch, *, free_bits: float, sampling_probability=0.0,
                  training: bool = False, z=None) -> objectives.Terms:
        """The objective's terms of a batch (inputs, outputs, controls) [B, T, ..], as
        `MusicVAE.objective` gives them, so one train step and evaluation serve both: `correct`
        counts the hits predicted right (logit > 0 against the target hit) over every (step,
        drum); `parts` are magenta's `hits_loss`, `velocities_loss` and `offsets_loss` metrics
        per example (their batch mean is magenta's metric: the mean over steps). The decoder
        is teacher-forced whatever `sampling_probability` says (configs that schedule sampling
        are refused for training: `models.configs.check_trainable`). z drawn from the
        posterior unless given."""
        inputs, outputs, controls = batch
        return self._terms(inputs, outputs, controls, free_bits=free_bits, training=training,
                           z=z)[0]

    def losses_of(self, inputs, outputs, controls=None, *, step: int = 0, training: bool = False,
                  z=None) -> dict[str, tf.Tensor]:
        """magenta's objective on a batch: per example `r_loss`, `kl`, `kl_cost` [B] and the
        step losses' parts summed over time (`hits`, `velocities`, `offsets` [B]); the batch's
        `beta` and `loss` = mean(r_loss) + beta * mean(kl_cost), beta = (1 - beta_rate^step) *
        max_beta. z drawn from the posterior unless given (z=mu: deterministic)."""
        hp = self.config.hparams
        terms, result = self._terms(inputs, outputs, controls, free_bits=float(hp.free_bits),
                                    training=training, z=z)
        beta = (1.0 - float(hp.beta_rate) ** float(step)) * float(hp.max_beta)
        length = tf.cast(tf.shape(result["outputs"])[1], tf.float32)
        return {"r_loss": terms.r_loss, "kl": terms.kl, "kl_cost": terms.kl_cost,
                "beta": tf.constant(beta),
                "loss": objectives.total_loss(tf.reduce_mean(terms.r_loss),
                                              tf.reduce_mean(terms.kl_cost), beta),
                **{k: terms.parts[f"{k}_loss"] * length
                   for k in ("hits", "velocities", "offsets")},
                "outputs": result["outputs"], "mu": result["mu"], "sigma": result["sigma"]}

    # ----------------------------------------------------------------- inference
    @property
    def window_shape(self) -> tuple[int, int]:
        return (self.window_steps, self.output_depth)

    def check_windows(self, windows, depth: int | None = None, what: str = "windows"
                      ) -> np.ndarray:
        """float32 [n, T, depth] from [T, depth] or [n, T, depth]; ValueError otherwise."""
        depth = self.input_depth if depth is None else depth
        windows = np.asarray(windows, np.float32)
        if windows.ndim == 2:
            windows = windows[None]
        if windows.ndim != 3 or windows.shape[1:] != (self.window_steps, depth):
            raise ValueError(f"{what} must be [n, {self.window_steps}, {depth}] (hits, "
                             f"velocities, offsets of {self.num_drums} drum classes per step) "
                             f"for config {self.config.name}, got shape {windows.shape}")
        if not np.all(np.isfinite(windows)):
            raise ValueError(f"{what} hold NaN or infinite values")
        return windows

    @tf.function(reduce_retracing=True)
    def _posterior_fn(self, inputs, controls):
        return self.posterior(inputs, controls, training=False)

    def encode(self, inputs, seed: int | None = None, *, controls=None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(z, mu, sigma) float32 [n, z_size] for encoder inputs [n, T, input_depth] (the
        converter's `inputs`), with their controls when the config has them."""
        self.build()
        inputs = self.check_windows(inputs)
        return self.sampled_posterior(inputs, self.check_controls(controls, len(inputs)), seed)

    @property
    def decoding(self) -> precisions.Precision:
        """Decoding runs in the model's own TensorFlow layers, in the Keras policy it was built
        under (`load_model`'s precision)."""
        return precisions.Precision(self.dtype_policy.name, "the policy the model was built under")

    @tf.function(reduce_retracing=True)
    def _decode_fn(self, z, noise, temperature, controls):
        return self.decoder.free_running(z, noise, temperature, controls)

    def decode(self, z, temperature: float = 1.0, seed: int | None = None, *, controls=None,
               keep_logits: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(samples, raw outputs), float32 [n, T, 3 * drums] each, decoded from z [n, z_size]
        (and the controls, when the config has them). Hits are drawn at `temperature`
        (0: greedy, logits > 0); velocities and offsets are the decoder's values.
        `keep_logits` is the class-window models' argument (the generation jobs and latent
        walks pass it); the raw outputs are kept either way, as small as the samples."""
        self.build()
        z = np.asarray(z, np.float32)
        if z.ndim == 1:
            z = z[None]
        if z.ndim != 2 or z.shape[1] != self.z_size:
            raise ValueError(f"z must be [n, {self.z_size}] for config {self.config.name}, "
                             f"got {z.shape}")
        if not np.isfinite(temperature) or temperature < 0:
            raise ValueError(f"temperature must be a finite number >= 0, got {temperature}")
        controls = self.check_controls(controls, len(z))
        rng = np.random.default_rng(seed)
        noise = rng.random((len(z), self.window_steps, self.num_drums), dtype=np.float32)
        samples, raws = [], []
        for start in range(0, len(z), self.INFERENCE_BATCH):
            rows = slice(start, start + self.INFERENCE_BATCH)
            sample, raw = self._decode_fn(
                tf.constant(z[rows]), tf.constant(noise[rows]),
                tf.constant(float(temperature), tf.float32),
                None if controls is None else tf.constant(controls[rows]))
            samples.append(sample.numpy())
            raws.append(raw.numpy())
        empty = np.zeros((0,) + self.window_shape, np.float32)
        return (np.concatenate(samples) if samples else empty,
                np.concatenate(raws) if raws else empty)

    def sample(self, n: int, temperature: float = 1.0, seed: int | None = None, *,
               controls=None, keep_logits: bool = True, prior: str = priors.STANDARD
               ) -> tuple[np.ndarray, np.ndarray]:
        """Decode n random z (magenta's `sample`): (samples, raw outputs); z from the fitted
        latent prior when the model has one and `prior` is "fitted", else N(0, I)."""
        rng = np.random.default_rng(seed)
        z = self.prior_draws(n, rng, prior)
        return self.decode(z, temperature, seed=int(rng.integers(2**31)), controls=controls)

    def interpolate(self, start, end, num_steps: int, temperature: float = 0.0,
                    seed: int | None = None, method: str = "slerp", *, start_controls=None,
                    end_controls=None, controls=None
                    ) -> tuple[np.ndarray, np.ndarray]:
        """magenta's `interpolate`: mu of two encoder inputs [T, input_depth], `num_steps`
        z between them (both included, slerp as magenta), decoded: (z, samples). `controls`
        [T, control_depth] are decoded with (magenta's TrainedModel takes one sequence for
        all); start/end controls encode the endpoints (default: `controls`)."""
        _, mu0, _ = self.encode(start, controls=start_controls if start_controls is not None
                                else controls)
        _, mu1, _ = self.encode(end, controls=end_controls if end_controls is not None
                                else controls)
        z = interpolation.interpolate(mu0[0], mu1[0], num_steps, method)
        samples, _ = self.decode(z, temperature, seed, controls=controls)
        return z, samples
