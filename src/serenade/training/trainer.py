"""The train step: magenta's objective, schedules, clipping and Adam, on one or several devices.

The model owns its objective (`model.objective(batch, ...)` -> `objective.Terms`): a MusicVAE
(class windows) and a GrooveVAE (float windows, `serenade.models.groove`) train with the same
step, which only averages the terms.

One step, in order (step = optimizer iterations before the update, as magenta's global step):
beta, learning rate and sampling probability from the schedules; forward pass with scheduled
sampling; loss = mean(r_loss) + beta * mean(max(KL - free nats, 0)); gradients summed over
replicas; clipped to global norm `grad_clip` (zeroed at or above `grad_norm_clip_to_zero`);
Adam update. Under `mixed_float16` the loss is scaled for the backward pass and the gradients
unscaled before clipping (`DynamicLossScale`).

Windows of padded tracks (multi-instrument performances) get one compiled step per length
of track the batch needs (`MusicVAE.rows_needed`), so the encoder and decoder skip the rows
past the batch's longest track, as magenta's dynamic RNNs stop there.

A `Warmup` replaces the objective for the first steps (a hierarchical model learning a 2-bar
teacher's bar codes, `models.bar_teacher`): its own compiled step, whose gradients are clipped
but never zeroed, and which leaves the variables its objective does not reach where they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import tensorflow as tf

from serenade.models import objective, precision
from serenade.models.vae import build_model
from serenade.training import schedules
from serenade.training.devices import Placement
from serenade.training.optimization import DynamicLossScale, clip_gradients, make_optimizer


@dataclass(frozen=True)
class Warmup:
    """The first `steps` steps train on `objective` (called as `model.objective` is, returning
    `objective.Terms`) instead of the model's own: e.g. `models.bar_teacher.code_terms`."""

    objective: Callable[..., objective.Terms]
    steps: int


class Trainer:
    """A model (`models.vae.build_model`), its optimizer and a compiled train step, placed by a
    `Placement`."""

    def __init__(self, config, placement: Placement | None = None, *, jit_compile: bool = False,
                 schedule_offset: int = 0):
        """`schedule_offset`: steps already taken by the weights this run starts from; beta,
        learning rate and sampling probability continue from there (a fine-tune)."""
        self.config = config
        self.schedule_offset = int(schedule_offset)
        self.hparams = hp = config.hparams
        self.strategy = placement.strategy if placement else tf.distribute.get_strategy()
        schedules.validate_sampling(hp.sampling_schedule, hp.sampling_rate)
        # Without a placement the model computes in the Keras global policy.
        self.precision = (placement.precision if placement else
                          precision.Precision(precision.current(), "the Keras global policy"))
        with self.strategy.scope(), precision.policy_scope(self.precision):
            self.model = build_model(config)
            self.model.build()
            self.optimizer = make_optimizer(hp)
            self.optimizer.build(self.model.trainable_variables)
            self.loss_scale = DynamicLossScale() if self.precision.loss_scaling else None
        self._jit = jit_compile
        self._step_fns: dict[tuple[bool, int | None], Callable] = {}
        self.warmup: Warmup | None = None

    # -- schedules -------------------------------------------------------------------------

    @property
    def step(self) -> int:
        return int(self.optimizer.iterations.numpy())

    def schedule_values(self, step) -> dict[str, tf.Tensor]:
        """Schedules at this run's `step` (the offset of a fine-tune added)."""
        hp = self.hparams
        step = tf.cast(step, tf.int64) + self.schedule_offset
        return {
            "beta": schedules.kl_beta(step, hp.max_beta, hp.beta_rate),
            "learning_rate": schedules.learning_rate(step, hp.learning_rate,
                                                     hp.min_learning_rate, hp.decay_rate),
            "sampling_probability": schedules.sampling_probability(
                step, hp.sampling_schedule, hp.sampling_rate),
        }

    @property
    def eval_sampling_probability(self) -> float:
        """magenta evaluates scheduled-sampling configs with the decoder fully sampling."""
        hp = self.hparams
        return 1.0 if schedules.uses_sampling(hp.sampling_schedule, hp.sampling_rate) else 0.0

    # -- the step --------------------------------------------------------------------------

    def in_warmup(self) -> bool:
        """Whether the next step is one of the warm-up's (`Warmup`)."""
        return self.warmup is not None and self.step < self.warmup.steps

    def _replica_step(self, batch, global_batch, warming: bool, rows: int | None):
        hp = self.hparams
        values = self.schedule_values(self.optimizer.iterations)
        beta = values["beta"]
        variables = self.model.trainable_variables
        terms_of = self.warmup.objective if warming else self.model.objective
        shorter = {} if rows is None else {"segment_rows": rows}
        with tf.GradientTape() as tape:
            terms = terms_of(batch, free_bits=hp.free_bits,
                             sampling_probability=values["sampling_probability"], training=True,
                             **shorter)
            # Each replica's share of the global batch mean: summed over replicas it is
            # magenta's mean(r_loss) + beta * mean(kl_cost).
            per_example = objective.total_loss(terms.r_loss, terms.kl_cost, beta)
            loss = tf.reduce_sum(per_example) / global_batch
            if self.loss_scale is not None:
                scaled_loss = self.loss_scale.scaled(loss)
        if self.loss_scale is not None:
            gradients = self.loss_scale.unscaled(tape.gradient(scaled_loss, variables))
        else:
            gradients = tape.gradient(loss, variables)
        # a warm-up objective leaves some variables out: they take no step (Adam's moments
        # stay zero, so a zero gradient moves nothing)
        gradients = [tf.zeros_like(v) if g is None else g for g, v in zip(gradients, variables)]
        context = tf.distribute.get_replica_context()
        replicas = self.strategy.num_replicas_in_sync
        if replicas > 1:
            gradients = context.all_reduce(tf.distribute.ReduceOp.SUM, gradients)
        # magenta zeroes a step whose gradient norm passes grad_norm_clip_to_zero (a diverging
        # ELBO); a warm-up objective's norms start far above it by design, so it is only clipped
        clip_to_zero = float("inf") if warming else hp.grad_norm_clip_to_zero
        clipped, norm = clip_gradients(gradients, clip=hp.grad_clip, clip_to_zero=clip_to_zero,
                                       mode=hp.clip_mode)
        if self.loss_scale is not None:
            self.loss_scale.update(tf.math.is_finite(norm))
        if replicas > 1:
            # Keras sums gradients over replicas again inside apply_gradients.
            clipped = [g / replicas for g in clipped]
        self.optimizer.apply_gradients(zip(clipped, variables))
        # accuracy over the predictions the model counts (padding rows, class -1, left out as
        # magenta's accuracy leaves them); this replica's share of the global mean
        local_batch = tf.cast(tf.shape(terms.r_loss)[0], tf.float32)
        sums = {
            "loss": loss,
            "r_loss": tf.reduce_sum(terms.r_loss) / global_batch,
            "kl_bits": objective.bits(tf.reduce_sum(terms.kl) / global_batch),
            "kl_cost": tf.reduce_sum(terms.kl_cost) / global_batch,
            **{k: tf.reduce_sum(v) / global_batch for k, v in terms.parts.items()},
        }
        if terms.predictions is not None:  # a warm-up objective may predict no events
            sums["accuracy"] = terms.correct / terms.predictions * local_batch / global_batch
        shared = {"global_norm": norm, **values}
        if self.loss_scale is not None:
            shared["loss_scale"] = self.loss_scale.scale.read_value()
        return sums, shared

    def _build_step(self, warming: bool, rows: int | None):
        strategy = self.strategy

        def step(batch):
            global_batch = tf.cast(tf.shape(tf.nest.flatten(batch)[0])[0], tf.float32)
            if strategy.num_replicas_in_sync > 1:
                global_batch = global_batch * strategy.num_replicas_in_sync
            return self._replica_step(batch, global_batch, warming, rows)

        if strategy.num_replicas_in_sync == 1:
            return tf.function(step, jit_compile=self._jit or None, reduce_retracing=True)

        @tf.function
        def distributed(batch):
            sums, shared = strategy.run(step, args=(batch,))
            reduce = lambda op, x: strategy.reduce(op, x, axis=None)
            return ({k: reduce(tf.distribute.ReduceOp.SUM, v) for k, v in sums.items()},
                    {k: reduce(tf.distribute.ReduceOp.MEAN, v) for k, v in shared.items()})

        return distributed

    def distribute(self, dataset: tf.data.Dataset) -> tf.data.Dataset:
        """Split each global batch over the replicas (a no-op on one device)."""
        if self.strategy.num_replicas_in_sync == 1:
            return dataset
        return self.strategy.experimental_distribute_dataset(dataset)

    def train_step(self, batch) -> dict[str, float]:
        """One update on a batch of the config's window kind (`training.window_kinds`);
        returns loss parts, schedules and the gradient's global norm (floats)."""
        warming = self.in_warmup()
        # padded segments (multi-instrument performances): one compiled step per length of
        # track, so the encoder and decoder skip the rows past the batch's longest track
        rows = (self.model.rows_needed(batch)
                if self.strategy.num_replicas_in_sync == 1 and not warming else None)
        key = (warming, rows)
        if key not in self._step_fns:
            self._step_fns[key] = self._build_step(warming, rows)
        sums, shared = self._step_fns[key](batch)
        self.model.weights_changed()
        return {k: float(v) for k, v in {**sums, **shared}.items()}

    # -- state for checkpoints -------------------------------------------------------------

    def model_weights(self) -> dict[str, np.ndarray]:
        return self.model.numpy_weights()

    def optimizer_weights(self) -> list[np.ndarray]:
        return [np.asarray(v.numpy()) for v in self.optimizer.variables]

    def set_model_weights(self, weights: Mapping[str, np.ndarray]) -> None:
        """Assign weights by magenta variable name; every variable must be present and match."""
        self.model.assign_magenta_weights(weights, "checkpoint")

    def set_optimizer_weights(self, values: list[np.ndarray]) -> None:
        variables = self.optimizer.variables
        if len(values) != len(variables):
            raise ValueError(f"optimizer state has {len(values)} variables, expected "
                             f"{len(variables)}")
        for variable, value in zip(variables, values):
            variable.assign(value)
