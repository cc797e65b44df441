"""Weights under their magenta checkpoint names: what every Serenade model offers the checkpoint
code (`serenade.models.checkpoint`). A model lists its variables by magenta name in
`magenta_variables()`; the mixin compares and assigns arrays keyed the same way."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from serenade.models import latent_prior as priors
from serenade.models import magenta_layout as layout


@dataclass
class WeightComparison:
    """Names missing from, unexpected in, and shape mismatches of a set of weights."""

    missing: list[str]
    unexpected: list[str]
    mismatched: list[str]


def compare(variables: dict[str, tf.Variable], weights) -> WeightComparison:
    """How arrays keyed by magenta name differ from `variables` (a model's or one part's)."""
    return WeightComparison(
        missing=sorted(set(variables) - set(weights)),
        unexpected=sorted(set(weights) - set(variables)),
        mismatched=sorted(
            f"{name}: checkpoint {list(np.shape(weights[name]))} vs model {list(variable.shape)}"
            for name, variable in variables.items()
            if name in weights and tuple(np.shape(weights[name])) != tuple(variable.shape)))


class MagentaWeights:
    """Mixin for a Keras model with `config` and `magenta_variables()`."""

    def magenta_variables(self) -> dict[str, tf.Variable]:  # pragma: no cover - abstract
        raise NotImplementedError

    def weights_changed(self) -> None:
        """Called after the weights were assigned (a model with caches drops them)."""

    def numpy_weights(self) -> dict[str, np.ndarray]:
        return {name: np.asarray(v.numpy()) for name, v in self.magenta_variables().items()}

    def compare_weights(self, weights) -> WeightComparison:
        """How arrays keyed by magenta name differ from this model's variables."""
        return compare(self.magenta_variables(), weights)

    def assign_magenta_weights(self, weights, source: str = "checkpoint") -> None:
        """Assign every variable from arrays keyed by magenta name. Extra names are ignored;
        a missing or mis-shaped one is a ValueError naming the first few."""
        comparison = self.compare_weights(weights)
        problems = comparison.mismatched + [f"{name}: missing" for name in comparison.missing]
        if problems:
            raise ValueError(f"{source} does not fit config {self.config.name} (different "
                             f"hparams?): {'; '.join(problems[:5])}{' ...' if len(problems) > 5 else ''}")
        for name, variable in self.magenta_variables().items():
            variable.assign(np.asarray(weights[name], variable.dtype))
        self.weights_changed()


class VaeWeights(MagentaWeights):
    """Mixin for a VAE of `encoder`, `mu_layer`, `sigma_layer` and `decoder` layers, laid out as
    magenta's: the encoder and decoder name their own variables, mu and sigma are dense layers.
    It also checks the per-step controls such a model is conditioned on (`CONTROLS` names them)."""

    CONTROLS = "a control per step"
    INFERENCE_BATCH = 512  # rows per call of a traced inference function
    # The Gaussian fitted to the training posteriors, which `sample(prior="fitted")` draws from
    # (None: N(0, I)); the checkpoint stores it (`serenade.models.latent_prior`).
    latent_prior: priors.LatentPrior | None = None

    def add_posterior_layers(self) -> None:
        """mu and sigma (softplus) as magenta's dense layers over the encoding, float32 under
        mixed precision too: the KL and z are computed from them."""
        init = keras.initializers.RandomNormal(stddev=0.001)
        self.mu_layer = keras.layers.Dense(self.z_size, kernel_initializer=init, name="mu",
                                           dtype="float32")
        self.sigma_layer = keras.layers.Dense(self.z_size, activation="softplus",
                                              kernel_initializer=init, name="sigma",
                                              dtype="float32")

    def rows_needed(self, batch) -> int | None:
        """The rows of each segment a train step must run for this batch, when it can run
        fewer than the window's (padded segments, `MusicVAE.rows_needed`); None: the whole
        window."""
        return None

    def sampled_posterior(self, inputs: np.ndarray, controls: np.ndarray | None,
                          seed: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(z, mu, sigma) float32 [n, z_size] of checked inputs [n, ...] and controls, through
        the model's traced `_posterior_fn` INFERENCE_BATCH rows at a time; z ~ N(mu, sigma)."""
        mus, sigmas = [], []
        for start in range(0, len(inputs), self.INFERENCE_BATCH):
            rows = slice(start, start + self.INFERENCE_BATCH)
            mu, sigma = self._posterior_fn(
                tf.constant(inputs[rows]), None if controls is None else tf.constant(controls[rows]))
            mus.append(mu.numpy())
            sigmas.append(sigma.numpy())
        mu = np.concatenate(mus) if mus else np.zeros((0, self.z_size), np.float32)
        sigma = np.concatenate(sigmas) if sigmas else np.zeros((0, self.z_size), np.float32)
        noise = np.random.default_rng(seed).standard_normal(mu.shape, dtype=np.float32)
        return (mu + sigma * noise).astype(np.float32), mu, sigma

    def prior_draws(self, n: int, rng: np.random.Generator, prior: str = priors.STANDARD
                    ) -> np.ndarray:
        """float32 [n, z_size] z to sample from (`serenade.models.latent_prior.draw`)."""
        return priors.draw(self.latent_prior, prior, n, self.z_size, rng)

    def fit_latent_prior(self, inputs: np.ndarray, controls: np.ndarray | None = None
                         ) -> priors.LatentPrior:
        """Fit `latent_prior` to the posteriors of training inputs (and their controls)."""
        _, mu, sigma = self.encode(inputs, controls=controls)
        self.latent_prior = priors.fit(mu, sigma)
        return self.latent_prior

    def check_controls(self, controls, n: int) -> np.ndarray | None:
        """Controls for n rows: float32 [n, T, control_depth] from [T, control_depth] (the
        same for every row, as magenta's TrainedModel) or [n, T, control_depth]; None for a
        config without controls. ValueError when they are missing, not taken, or misshaped."""
        name = self.config.name
        if not self.control_depth:
            if controls is not None:
                raise ValueError(f"config {name} takes no controls")
            return None
        if controls is None:
            raise ValueError(f"config {name} is conditioned on {self.CONTROLS}: controls are "
                             "required")
        controls = np.asarray(controls, np.float32)
        shape = (self.window_steps, self.control_depth)
        if controls.shape == shape:
            controls = np.broadcast_to(controls, (n,) + shape)
        if controls.shape != (n,) + shape:
            raise ValueError(f"controls must be [{', '.join(map(str, shape))}] or [{n}, "
                             f"{', '.join(map(str, shape))}] for config {name}, got "
                             f"{controls.shape}")
        return np.ascontiguousarray(controls)

    def build(self, input_shape=None) -> None:
        if self.built:
            return
        self.encoder.build()
        self.mu_layer.build((None, self.encoder.output_depth))
        self.sigma_layer.build((None, self.encoder.output_depth))
        self.decoder.build()
        super().build(input_shape)

    def magenta_variables(self) -> dict[str, tf.Variable]:
        """Every weight under its magenta checkpoint name (the contract for checkpoints)."""
        self.build()
        names = self.encoder.magenta_variables()
        for layer, scope in ((self.mu_layer, layout.MU), (self.sigma_layer, layout.SIGMA)):
            kernel, bias = layout.kernel_and_bias(scope)
            names.update({kernel: layer.kernel, bias: layer.bias})
        names.update(self.decoder.magenta_variables())
        return names
