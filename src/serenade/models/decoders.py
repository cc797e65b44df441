"""Decoders for training-time passes: flat categorical LSTM and hierarchical (conductor + core).

These layers compute the logits of a whole window given its true events (teacher forcing), or
with magenta's scheduled sampling. Free-running generation (`decode`/`sample`) lives in
`serenade.models.generation`, which runs the same weights in numpy for speed.

Flat decoder (magenta's `CategoricalLstmDecoder`): initial state tanh(Dense(z)) split as
c0, h0, c1, h1, ...; input at step t is [one-hot y(t-1) (zeros at t=0), z]; logits are
Dense(h of the last layer) over 90 classes.

Scheduled sampling (magenta's `ScheduledOutputTrainingHelper` with the decoder's `_sample`):
after each step, every example independently (Bernoulli with the given probability) feeds back
a class sampled from the step's logits at temperature 1 instead of the true event.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from serenade.models.lstm import LSTMBlockCell, UNROLL_LIMIT, run_recurrence, split_initial_state


def _initial_state_layer(size: int, name: str) -> keras.layers.Dense:
    return keras.layers.Dense(size, activation="tanh", name=name,
                              kernel_initializer=keras.initializers.RandomNormal(stddev=0.001))


class FlatDecoder(keras.layers.Layer):
    """Stacked LSTMBlockCells conditioned on a vector (z, or a conductor embedding)."""

    def __init__(self, layer_sizes: list[int], condition_size: int, output_depth: int = 90,
                 dropout_keep_prob: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.layer_sizes = [int(s) for s in layer_sizes]
        self.condition_size = int(condition_size)
        self.output_depth = int(output_depth)
        self.dropout_keep_prob = float(dropout_keep_prob)
        self.initial_state = _initial_state_layer(2 * sum(self.layer_sizes), "z_to_initial_state")
        self.cells: list[LSTMBlockCell] = []
        size_in = self.output_depth + self.condition_size
        for j, units in enumerate(self.layer_sizes):
            self.cells.append(LSTMBlockCell(units, size_in, name=f"cell_{j}"))
            size_in = units
        self.output_projection = keras.layers.Dense(self.output_depth, name="output_projection")

    def build(self, input_shape=None) -> None:
        self.initial_state.build((None, self.condition_size))
        for cell in self.cells:
            cell.build()
        self.output_projection.build((None, self.layer_sizes[-1]))
        super().build(input_shape)

    def magenta_variables(self, prefix: str = "decoder") -> dict[str, tf.Variable]:
        names = {f"{prefix}/z_to_initial_state/kernel": self.initial_state.kernel,
                 f"{prefix}/z_to_initial_state/bias": self.initial_state.bias}
        for j, cell in enumerate(self.cells):
            names[f"{prefix}/multi_rnn_cell/cell_{j}/lstm_cell/kernel"] = cell.kernel
            names[f"{prefix}/multi_rnn_cell/cell_{j}/lstm_cell/bias"] = cell.bias
        names[f"{prefix}/output_projection/kernel"] = self.output_projection.kernel
        names[f"{prefix}/output_projection/bias"] = self.output_projection.bias
        return names

    def _dropping(self, training: bool) -> bool:
        return bool(training) and self.dropout_keep_prob < 1.0

    def _dropout(self, x: tf.Tensor, training: bool) -> tf.Tensor:
        return tf.nn.dropout(x, rate=1.0 - self.dropout_keep_prob) if self._dropping(training) else x

    def _token_rows(self) -> tf.Tensor:
        """First layer's kernel rows for the one-hot part, plus a zero row for 'no input' (-1)."""
        first = self.cells[0]
        rows = first.kernel[: self.output_depth]
        return tf.concat([rows, tf.zeros([1, 4 * first.units], rows.dtype)], axis=0)

    def _first_layer_projection(self, tokens: tf.Tensor, condition_part: tf.Tensor,
                                condition: tf.Tensor, training: bool) -> tf.Tensor:
        """Input projection of layer 0 for previous tokens (-1 = zeros) of any leading shape."""
        first = self.cells[0]
        if self._dropping(training):
            one_hot = tf.one_hot(tokens, self.output_depth, dtype=condition.dtype)
            shape = tf.concat([tf.shape(tokens), [self.condition_size]], 0)
            cond = tf.broadcast_to(condition, shape)  # trailing dims align: [.., B, c]
            return first.project_inputs(self._dropout(tf.concat([one_hot, cond], -1), training))
        safe = tf.where(tokens < 0, self.output_depth, tokens)
        return tf.gather(self._token_rows(), safe) + condition_part

    def logits(self, condition: tf.Tensor, targets: tf.Tensor, start_tokens: tf.Tensor | None = None,
               sampling_probability=0.0, training: bool = False) -> tf.Tensor:
        """Logits [B, T, 90] for target events [B, T] given the condition [B, c].

        `start_tokens` [B] is the event fed at t=0 (-1 or None: zeros, as magenta).
        """
        targets = tf.cast(targets, tf.int32)
        batch = tf.shape(targets)[0]
        if start_tokens is None:
            start_tokens = -tf.ones([batch], tf.int32)
        start_tokens = tf.cast(start_tokens, tf.int32)
        first = self.cells[0]
        # The condition's share of layer 0's input projection is the same at every step.
        condition_part = tf.matmul(condition, first.kernel[self.output_depth:first.input_size]) + first.bias
        states = split_initial_state(self.initial_state(condition), self.layer_sizes)

        static_p = tf.get_static_value(tf.convert_to_tensor(sampling_probability))
        if static_p is not None and float(static_p) == 0.0:
            return self._teacher_forced(condition, condition_part, targets, start_tokens, states,
                                        training)
        return self._scheduled(condition, condition_part, targets, start_tokens, states,
                               tf.cast(sampling_probability, condition.dtype), training)

    def _teacher_forced(self, condition, condition_part, targets, start_tokens, states, training):
        # Layers are independent given the true inputs: run each over all steps in turn, so
        # every input projection is one large product over time.
        previous = tf.concat([start_tokens[:, None], targets[:, :-1]], axis=1)  # [B, T]
        inputs = self._first_layer_projection(tf.transpose(previous), condition_part, condition,
                                              training)  # [T, B, 4u]
        outputs = None
        for j, cell in enumerate(self.cells):
            if j > 0:
                inputs = cell.project_inputs(self._dropout(outputs, training))
            h, c = states[j]
            outputs, _, _ = run_recurrence(inputs, cell.recurrent_kernel, h, c)
        logits = self.output_projection(outputs)  # [T, B, 90]
        return tf.transpose(logits, [1, 0, 2])

    def _scheduled(self, condition, condition_part, targets, start_tokens, states, probability,
                   training):
        if not self._dropping(training) and (targets.shape[1] or UNROLL_LIMIT + 1) <= UNROLL_LIMIT:
            # Same estimator, faster backward.
            from serenade.models.scheduled_sampling import scheduled_logits

            return scheduled_logits(self, condition, condition_part, targets, start_tokens,
                                    states, probability, training)
        batch = tf.shape(targets)[0]
        steps_static = targets.shape[1]
        true_t = tf.transpose(targets)  # [T, B]

        def step(t, previous, states):
            x = self._first_layer_projection(previous, condition_part, condition, training)
            new_states = []
            for j, cell in enumerate(self.cells):
                if j > 0:
                    x = cell.project_inputs(self._dropout(h, training))
                h, c = cell.step(x, *states[j])
                new_states.append((h, c))
            logits = self.output_projection(h)
            sampled = tf.cast(tf.random.categorical(tf.stop_gradient(logits), 1)[:, 0], tf.int32)
            use_sample = tf.random.uniform([batch], dtype=probability.dtype) < probability
            truth = true_t[tf.minimum(t, tf.shape(true_t)[0] - 1)]
            next_token = tf.where(use_sample, sampled, truth)
            return logits, next_token, new_states

        if steps_static is not None and steps_static <= UNROLL_LIMIT:
            previous, all_logits = start_tokens, []
            for t in range(steps_static):
                logits, previous, states = step(t, previous, states)
                all_logits.append(logits)
            return tf.stack(all_logits, axis=1)

        steps = tf.shape(targets)[1]
        array = tf.TensorArray(condition.dtype, size=steps)

        def body(t, previous, flat_states, array):
            logits, previous, new_states = step(t, previous, _pairs(flat_states))
            return t + 1, previous, [s for pair in new_states for s in pair], array.write(t, logits)

        flat = [s for pair in states for s in pair]
        _, _, _, array = tf.while_loop(lambda t, *_: t < steps, body,
                                       (tf.constant(0), start_tokens, flat, array))
        return tf.transpose(array.stack(), [1, 0, 2])


def _pairs(flat: list[tf.Tensor]) -> list[tuple[tf.Tensor, tf.Tensor]]:
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


class HierarchicalDecoder(keras.layers.Layer):
    """magenta's hierdec: a conductor LSTM emits one embedding per segment (bar); a flat core
    decoder conditioned on that embedding decodes the segment's steps.

    With autoregression disabled (magenta's melody configs) the conductor's input is a single
    zero, so its step is bias + recurrent product. The core decoder's first input in segment k
    is the last event of segment k-1 (zeros for the first).
    """

    def __init__(self, layer_sizes: list[int], z_size: int, level_lengths: tuple[int, int],
                 output_depth: int = 90, dropout_keep_prob: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        if len(level_lengths) != 2:
            raise ValueError(f"only two-level hierarchies are supported, got {level_lengths}")
        self.layer_sizes = [int(s) for s in layer_sizes]
        self.z_size = int(z_size)
        self.level_lengths = tuple(int(n) for n in level_lengths)
        self.output_depth = int(output_depth)
        self.dropout_keep_prob = float(dropout_keep_prob)
        self.initial_state = _initial_state_layer(2 * sum(self.layer_sizes), "initial_state")
        self.conductor: list[LSTMBlockCell] = []
        size_in = 1  # the conductor's input is a single zero (autoregression disabled)
        for j, units in enumerate(self.layer_sizes):
            self.conductor.append(LSTMBlockCell(units, size_in, name=f"conductor_{j}"))
            size_in = units
        self.core = FlatDecoder(self.layer_sizes, self.layer_sizes[-1], output_depth,
                                dropout_keep_prob, name="core_decoder")

    def build(self, input_shape=None) -> None:
        self.initial_state.build((None, self.z_size))
        for cell in self.conductor:
            cell.build()
        self.core.build()
        super().build(input_shape)

    def magenta_variables(self) -> dict[str, tf.Variable]:
        prefix = "decoder/hierarchical_level_0"
        names = {f"{prefix}/initial_state/kernel": self.initial_state.kernel,
                 f"{prefix}/initial_state/bias": self.initial_state.bias}
        for j, cell in enumerate(self.conductor):
            names[f"{prefix}/cell_{j}/lstm_cell/kernel"] = cell.kernel
            names[f"{prefix}/cell_{j}/lstm_cell/bias"] = cell.bias
        names.update(self.core.magenta_variables("core_decoder/decoder"))
        return names

    def conduct(self, z: tf.Tensor, training: bool = False) -> tf.Tensor:
        """Conductor embeddings [segments, B, u] from z [B, z_size]."""
        segments = self.level_lengths[0]
        states = split_initial_state(self.initial_state(z), self.layer_sizes)
        outputs = None
        for j, cell in enumerate(self.conductor):
            if j == 0:
                if training and self.dropout_keep_prob < 1.0:
                    zeros = tf.zeros([segments, tf.shape(z)[0], 1], z.dtype)
                    inputs = cell.project_inputs(zeros)
                else:
                    inputs = tf.broadcast_to(cell.bias, [segments, tf.shape(z)[0], 4 * cell.units])
            else:
                kept = outputs
                if training and self.dropout_keep_prob < 1.0:
                    kept = tf.nn.dropout(outputs, rate=1.0 - self.dropout_keep_prob)
                inputs = cell.project_inputs(kept)
            h, c = states[j]
            outputs, _, _ = run_recurrence(inputs, cell.recurrent_kernel, h, c)
        return outputs

    def logits(self, z: tf.Tensor, targets: tf.Tensor, sampling_probability=0.0,
               training: bool = False) -> tf.Tensor:
        """Logits [B, T, 90] for targets [B, T]: every segment decoded in one batch."""
        segments, length = self.level_lengths
        targets = tf.cast(targets, tf.int32)
        batch = tf.shape(targets)[0]
        embeddings = tf.transpose(self.conduct(z, training), [1, 0, 2])  # [B, S, u]
        flat_embeddings = tf.reshape(embeddings, [-1, self.layer_sizes[-1]])
        bars = tf.reshape(targets, [-1, length])  # [B * S, L]
        previous_last = tf.reshape(targets, [batch, segments, length])[:, :-1, -1]
        starts = tf.concat([-tf.ones([batch, 1], tf.int32), previous_last], axis=1)
        logits = self.core.logits(flat_embeddings, bars, tf.reshape(starts, [-1]),
                                  sampling_probability, training)
        return tf.reshape(logits, [batch, segments * length, self.output_depth])
