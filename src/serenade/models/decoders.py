"""Decoders for training-time passes: flat categorical LSTM and hierarchical (conductor + core).

These layers compute the logits of a whole window given its true events (teacher forcing), or
with magenta's scheduled sampling. Free-running generation (`decode`/`sample`) lives in
`serenade.models.numpy_decoder`, which runs the same weights in numpy for speed.

Flat decoder (magenta's `CategoricalLstmDecoder`, and `MultiOutCategoricalLstmDecoder` for
several parts): initial state tanh(Dense(z)) split as c0, h0, c1, h1, ...; input at step t is
[one-hot y(t-1) of each part (zeros at t=0), z]; logits are Dense(h of the last layer) over the
parts' classes side by side (`serenade.models.parts`), one softmax per part.
With controls (magenta's `c_input`, a chord per step) the input at step t is
[y(t-1), z, control(t)] (`magenta_layout.InputRows`); the initial state comes from z alone.

Scheduled sampling (magenta's `ScheduledOutputTrainingHelper` with the decoder's `_sample`):
after each step, every example independently (Bernoulli with the given probability) feeds back
a class sampled from the step's logits at temperature 1 instead of the true event. The sampled
tokens carry no gradient, so the loss's gradients are those of a teacher-forced decoder run on
the tokens actually fed. Without dropout it is computed in two passes: pass 1 steps through the
window without gradient to choose the fed tokens, pass 2 runs the decoder teacher-forced on
them layer by layer, where every input projection is one large product and each recurrence uses
the fused backward of `serenade.models.fused_lstm`. That is the same estimator as stepping with
autodiff through every step, at a fraction of the backward cost on a CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import tensorflow as tf

from serenade.base.bit_inputs import BitInputs
from serenade.models import magenta_layout as layout
from serenade.models import multi_hot, parts
from serenade.models.heads import CategoricalHead
from serenade.models.lstm import STATE_DTYPE, LSTMBlockCell, split_initial_state
from serenade.models.recurrence import run_recurrence, unrolls

State = list[tuple[tf.Tensor, tf.Tensor]]


def initial_state_layer(size: int, name: str) -> keras.layers.Dense:
    """z -> the LSTM states, as magenta's `initial_cell_state_from_embedding`."""
    return keras.layers.Dense(size, activation="tanh", name=name,
                              kernel_initializer=keras.initializers.RandomNormal(stddev=0.001))


def cell_stack(layer_sizes: list[int], size_in: int) -> list[LSTMBlockCell]:
    """magenta's stacked decoder cells, `cell_{j}`, each reading the outputs of the one below."""
    cells = []
    for j, units in enumerate(layer_sizes):
        cells.append(LSTMBlockCell(units, size_in, name=f"cell_{j}"))
        size_in = units
    return cells


def output_layer(depth: int) -> keras.layers.Dense:
    """The decoder's output projection, float32 under mixed precision too: its outputs feed
    the loss."""
    return keras.layers.Dense(depth, name="output_projection", dtype="float32")


def _dense_variables(dense: keras.layers.Dense, scope: str) -> dict[str, tf.Variable]:
    kernel, bias = layout.kernel_and_bias(scope)
    return {kernel: dense.kernel, bias: dense.bias}


@dataclass
class Conditioning:
    """What a flat decoder derives once from its condition vector [B, c]."""

    condition: tf.Tensor
    condition_part: tf.Tensor  # the condition's share of layer 0's input projection, plus bias
    states: State  # initial (h, c) of every layer
    controls: tf.Tensor | None = None  # time-major control vectors [T, B, control_depth]
    control_part: tf.Tensor | None = None  # their share of layer 0's projection [T, B, 4u]

    def frozen(self) -> "Conditioning":
        """The same conditioning with no gradient through any of it."""
        stop = lambda x: None if x is None else tf.stop_gradient(x)  # noqa: E731
        return Conditioning(stop(self.condition), stop(self.condition_part),
                            [tuple(stop(s) for s in pair) for pair in self.states],
                            stop(self.controls), stop(self.control_part))


class FlatDecoder(keras.layers.Layer):
    """Stacked LSTMBlockCells conditioned on a vector (z, or a conductor embedding)."""

    def __init__(self, layer_sizes: list[int], condition_size: int,
                 part_depths: tuple[int, ...] = (90,), dropout_keep_prob: float = 1.0,
                 scopes: layout.FlatDecoderScopes = layout.FLAT_DECODER, head=None,
                 inputs: BitInputs | None = None, control_depth: int = 0, **kwargs) -> None:
        """`head`: what the outputs mean (default: one softmax per part); `inputs`: how each
        class of a single-part window is fed back (default: its one-hot; a NADE drum decoder
        is fed the step's hit bits, `serenade.base.bit_inputs`); `control_depth`: the width of
        the control vector fed with every step (0: none)."""
        super().__init__(**kwargs)
        self.layer_sizes = [int(s) for s in layer_sizes]
        self.condition_size = int(condition_size)
        self.head = head if head is not None else CategoricalHead(part_depths)
        self.part_depths = self.head.depths
        self.output_depth = self.head.output_width
        self.inputs = inputs
        self.index_dtype = parts.index_dtype(self.part_depths)
        self.input_depth = sum(self.part_depths) if inputs is None else inputs.depth
        self.rows = layout.InputRows(self.input_depth, self.condition_size, int(control_depth))
        self.dropout_keep_prob = float(dropout_keep_prob)
        self.scopes = scopes
        self.initial_state = initial_state_layer(2 * sum(self.layer_sizes), "z_to_initial_state")
        self.cells = cell_stack(self.layer_sizes, self.rows.size)
        self.output_projection = output_layer(self.output_depth)

    def build(self, input_shape=None) -> None:
        self.initial_state.build((None, self.condition_size))
        for cell in self.cells:
            cell.build()
        self.output_projection.build((None, self.layer_sizes[-1]))
        if isinstance(self.head, keras.layers.Layer):
            self.head.build()
        super().build(input_shape)

    def magenta_variables(self) -> dict[str, tf.Variable]:
        names = _dense_variables(self.initial_state, self.scopes.initial_state)
        for j, cell in enumerate(self.cells):
            names.update(cell.magenta_variables(self.scopes.cell(j)))
        names.update(_dense_variables(self.output_projection, self.scopes.output_projection))
        names.update(self.head.magenta_variables())
        return names

    # ------------------------------------------------------------------ pieces of a pass
    def _dropping(self, training: bool) -> bool:
        return bool(training) and self.dropout_keep_prob < 1.0

    def _dropout(self, x: tf.Tensor, training: bool) -> tf.Tensor:
        return tf.nn.dropout(x, rate=1.0 - self.dropout_keep_prob) if self._dropping(training) else x

    def _token_rows(self) -> list[tf.Tensor]:
        """Per part, the first layer's kernel rows of each class's one-hot, plus a zero row for
        'no input' (-1)."""
        kernel, units = self.cells[0].kernel, self.cells[0].units
        blank = tf.zeros([1, 4 * units], kernel.dtype)
        return [tf.concat([kernel[start:start + depth], blank], 0)
                for start, depth in zip(parts.offsets(self.part_depths), self.part_depths)]

    def condition_on(self, condition: tf.Tensor, controls: tf.Tensor | None = None
                     ) -> Conditioning:
        """What the condition [B, c] (and the controls [B, T, control_depth], required when
        the decoder has them) give every step."""
        first = self.cells[0]
        condition = tf.cast(condition, first.kernel.dtype)  # the compute dtype (mixed precision)
        # The condition's share of layer 0's input projection is the same at every step.
        condition_part = tf.matmul(condition, first.kernel[self.rows.condition]) + first.bias
        states = [(tf.cast(h, STATE_DTYPE), tf.cast(c, STATE_DTYPE)) for h, c in
                  split_initial_state(self.initial_state(condition), self.layer_sizes)]
        if not self.rows.control_depth:
            return Conditioning(condition, condition_part, states)
        if controls is None:
            raise ValueError("this decoder is fed a control vector per step: controls missing")
        controls = tf.transpose(tf.cast(controls, condition.dtype), [1, 0, 2])  # [T, B, d]
        control_part = tf.einsum("tbc,cg->tbg", controls, first.kernel[self.rows.controls])
        return Conditioning(condition, condition_part, states, controls, control_part)

    def _first_layer_projection(self, tokens: tf.Tensor, conditioning: Conditioning,
                                training: bool, t=None) -> tf.Tensor:
        """Input projection of layer 0 for previous tokens [T, B, P] of every step, or [B, P]
        of step `t` (-1 = zeros)."""
        controls, control_part = conditioning.controls, conditioning.control_part
        if controls is not None and t is not None:
            controls, control_part = controls[t], control_part[t]
        if self._dropping(training):
            dtype = conditioning.condition.dtype
            one_hot = ([multi_hot.input_vectors(tokens[..., 0], self.inputs, dtype)]
                       if self.inputs is not None else
                       [tf.one_hot(tokens[..., k], depth, dtype=dtype)
                        for k, depth in enumerate(self.part_depths)])
            shape = tf.concat([tf.shape(tokens)[:-1], [self.condition_size]], 0)
            cond = tf.broadcast_to(conditioning.condition, shape)  # trailing dims align: [.., B, c]
            step_inputs = one_hot + [cond] + ([] if controls is None else [controls])
            inputs = self._dropout(tf.concat(step_inputs, -1), training)
            return self.cells[0].project_inputs(inputs)
        projection = conditioning.condition_part
        if control_part is not None:
            projection = projection + control_part
        if self.inputs is not None:
            return projection + multi_hot.input_product(
                tokens[..., 0], self.inputs, self.cells[0].kernel[self.rows.tokens])
        for k, (rows, depth) in enumerate(zip(self._token_rows(), self.part_depths)):
            projection = projection + tf.gather(rows, tf.where(tokens[..., k] < 0, depth,
                                                               tokens[..., k]))
        return projection

    def step(self, conditioning: Conditioning, previous: tf.Tensor, states: State,
             training: bool = False, t=None) -> tuple[tf.Tensor, State]:
        """One step of every layer: logits [B, depth] and the new states, given the tokens
        fed at this step [B, P] (-1 = zeros); `t`, the step's index, picks its controls."""
        x = self._first_layer_projection(previous, conditioning, training, t)
        new_states = []
        for j, cell in enumerate(self.cells):
            if j > 0:
                x = cell.project_inputs(self._dropout(h, training))
            h, c = cell.step(x, *states[j])
            new_states.append((h, c))
        return self.output_projection(h), new_states

    # ------------------------------------------------------------------ whole windows
    def forced_logits(self, conditioning: Conditioning, fed: tf.Tensor,
                      training: bool = False) -> tf.Tensor:
        """Logits [B, T, depth] when the tokens fed at each step are `fed` [B, T, P] (-1 = zeros).

        Layers are independent given their inputs: each runs over all steps in turn, so every
        input projection is one large product over time."""
        inputs = self._first_layer_projection(tf.transpose(fed, [1, 0, 2]), conditioning,
                                              training)  # [T, B, 4u]
        outputs = None
        for j, cell in enumerate(self.cells):
            if j > 0:
                inputs = cell.project_inputs(self._dropout(outputs, training))
            h, c = conditioning.states[j]
            outputs, _, _ = run_recurrence(inputs, cell.recurrent_kernel, h, c)
        logits = self.output_projection(outputs)  # [T, B, depth]
        return tf.transpose(logits, [1, 0, 2])

    def fed_back(self, conditioning: Conditioning, targets: tf.Tensor, start_tokens: tf.Tensor,
                 probability: tf.Tensor, training: bool = False, steps: int | None = None
                 ) -> tuple[tf.Tensor, tf.Tensor]:
        """Step through the window under scheduled sampling for `steps` steps (default: the
        window's length). Targets are [B, T, P]. Returns the logits [B, steps, depth] and the
        tokens chosen after each step [B, steps, P] (those fed at the next step)."""
        batch = tf.shape(targets)[0]
        true_t = tf.transpose(targets, [1, 0, 2])  # [T, B, P]
        last = tf.shape(true_t)[0] - 1

        def advance(t, previous, states):
            logits, states = self.step(conditioning, previous, states, training, t)
            sampled = self.head.sample(tf.stop_gradient(logits))
            use_sample = tf.random.uniform([batch], dtype=probability.dtype) < probability
            return (logits, tf.where(use_sample[:, None], sampled, true_t[tf.minimum(t, last)]),
                    states)

        static_steps = targets.shape[1] if steps is None else steps
        if unrolls(static_steps):
            previous, states, all_logits, chosen = start_tokens, conditioning.states, [], []
            for t in range(static_steps):
                logits, previous, states = advance(t, previous, states)
                all_logits.append(logits)
                chosen.append(previous)
            return tf.stack(all_logits, axis=1), tf.stack(chosen, axis=1)

        count = tf.shape(targets)[1] if steps is None else steps
        logits_array = tf.TensorArray(conditioning.condition.dtype, size=count)
        chosen_array = tf.TensorArray(self.index_dtype, size=count)

        def body(t, previous, flat_states, logits_array, chosen_array):
            logits, previous, states = advance(t, previous, _pairs(flat_states))
            return (t + 1, previous, [s for pair in states for s in pair],
                    logits_array.write(t, logits), chosen_array.write(t, previous))

        flat = [s for pair in conditioning.states for s in pair]
        _, _, _, logits_array, chosen_array = tf.while_loop(
            lambda t, *_: t < count, body,
            (tf.constant(0), start_tokens, flat, logits_array, chosen_array))
        return (tf.transpose(logits_array.stack(), [1, 0, 2]),
                tf.transpose(chosen_array.stack(), [1, 0, 2]))

    def scheduled_logits(self, conditioning: Conditioning, targets: tf.Tensor,
                         start_tokens: tf.Tensor, probability: tf.Tensor,
                         training: bool = False) -> tf.Tensor:
        """Scheduled sampling in two passes (see the module docstring)."""
        frozen = conditioning.frozen()
        # Pass 1: the token chosen after the last step is never fed, so stop one step short.
        _, chosen = self.fed_back(frozen, targets, start_tokens, probability,
                                  steps=targets.shape[1] - 1)
        fed = tf.stop_gradient(tf.concat([start_tokens[:, None], chosen], axis=1))  # [B, T, P]
        return self.forced_logits(conditioning, fed, training)  # pass 2

    def logits(self, condition: tf.Tensor, targets: tf.Tensor, start_tokens: tf.Tensor | None = None,
               sampling_probability=0.0, training: bool = False,
               controls: tf.Tensor | None = None) -> tf.Tensor:
        """Logits [B, T, depth] for target events [B, T] (one part) or [B, T, P] given the
        condition [B, c] (and the controls [B, T, control_depth] of a decoder with controls).
        `start_tokens` [B] or [B, P] is what is fed at t=0 (-1 or None: zeros, as magenta)."""
        targets = parts.as_parts(targets, self.part_depths)
        if start_tokens is None:
            start_tokens = -tf.ones([tf.shape(targets)[0], len(self.part_depths)], targets.dtype)
        start_tokens = tf.reshape(tf.cast(start_tokens, targets.dtype), [-1, len(self.part_depths)])
        conditioning = self.condition_on(condition, controls)
        static_p = tf.get_static_value(tf.convert_to_tensor(sampling_probability))
        if static_p is not None and float(static_p) == 0.0:
            fed = tf.concat([start_tokens[:, None], targets[:, :-1]], axis=1)
            return self.forced_logits(conditioning, fed, training)
        # float32 whatever the policy (Keras casts float call arguments to the compute dtype)
        probability = tf.cast(sampling_probability, tf.float32)
        if not self._dropping(training) and unrolls(targets.shape[1]):
            return self.scheduled_logits(conditioning, targets, start_tokens, probability, training)
        logits, _ = self.fed_back(conditioning, targets, start_tokens, probability, training)
        return logits


def _pairs(flat: list[tf.Tensor]) -> State:
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


class HierarchicalDecoder(keras.layers.Layer):
    """magenta's hierdec: a conductor LSTM emits one embedding per segment (bar); a flat core
    decoder conditioned on that embedding decodes the segment's steps.

    With autoregression disabled (magenta's melody and trio configs) the conductor's input is a
    single zero, so its step is bias + recurrent product. The core decoder's first input in
    segment k is the last event of segment k-1 (zeros for the first). With `split_parts`
    (magenta's `SplitMultiOutLstmDecoder`, the trio) each part has a core decoder of its own,
    fed only its own part, all conditioned on the same embedding.

    With `control_depth` (magenta's `_chords` multi-instrument configs) the core decoder is fed
    each step's control vector too, [previous event, embedding, control], as magenta splits the
    window's controls by segment. Padded windows (magenta's multi-instrument performances, a
    track per segment) need nothing here: a padding row (-1) fed back is all zeros, as in
    magenta, and the loss leaves its steps out (`parts.cross_entropy`). A train step that knows
    no track of its batch is longer than `segment_rows` decodes only those rows of each segment
    (the core is causal, so they are the same), and the rest get zero logits, which the loss
    leaves out as padding.
    """

    scopes = layout.HIERARCHICAL_DECODER

    def __init__(self, layer_sizes: list[int], z_size: int, level_lengths: tuple[int, int],
                 part_depths: tuple[int, ...] = (90,), dropout_keep_prob: float = 1.0,
                 split_parts: bool = False, control_depth: int = 0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.control_depth = int(control_depth)
        if self.control_depth and split_parts:
            raise ValueError("controls are not supported with one core decoder per part")
        if len(level_lengths) != 2:
            raise ValueError(f"only two-level hierarchies are supported, got {level_lengths}")
        self.layer_sizes = [int(s) for s in layer_sizes]
        self.z_size = int(z_size)
        self.level_lengths = tuple(int(n) for n in level_lengths)
        self.part_depths = tuple(int(d) for d in part_depths)
        self.output_depth = sum(self.part_depths)
        self.head = CategoricalHead(self.part_depths)
        self.split_parts = bool(split_parts)
        self.dropout_keep_prob = float(dropout_keep_prob)
        self.initial_state = initial_state_layer(2 * sum(self.layer_sizes), "initial_state")
        self.conductor: list[LSTMBlockCell] = []
        size_in = 1  # the conductor's input is a single zero (autoregression disabled)
        for j, units in enumerate(self.layer_sizes):
            self.conductor.append(LSTMBlockCell(units, size_in, name=f"conductor_{j}"))
            size_in = units
        if self.split_parts:
            self.cores = [FlatDecoder(self.layer_sizes, self.layer_sizes[-1], (depth,),
                                      dropout_keep_prob, self.scopes.core_part(k),
                                      name=f"core_decoder_{k}")
                          for k, depth in enumerate(self.part_depths)]
        else:
            self.cores = [FlatDecoder(self.layer_sizes, self.layer_sizes[-1], self.part_depths,
                                      dropout_keep_prob, self.scopes.core,
                                      control_depth=self.control_depth, name="core_decoder")]

    def build(self, input_shape=None) -> None:
        self.initial_state.build((None, self.z_size))
        for cell in self.conductor:
            cell.build()
        for core in self.cores:
            core.build()
        super().build(input_shape)

    def magenta_variables(self) -> dict[str, tf.Variable]:
        names = _dense_variables(self.initial_state, self.scopes.initial_state)
        for j, cell in enumerate(self.conductor):
            names.update(cell.magenta_variables(self.scopes.conductor_cell(j)))
        for core in self.cores:
            names.update(core.magenta_variables())
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
               training: bool = False, controls: tf.Tensor | None = None,
               segment_rows: int | None = None) -> tf.Tensor:
        """Logits [B, T, depth] for targets [B, T] or [B, T, P] (and the controls [B, T,
        control_depth] of a decoder with controls): every segment decoded in one batch; with
        `segment_rows`, the first rows of each segment only (padded windows, see above)."""
        segments, length = self.level_lengths
        targets = parts.as_parts(targets, self.part_depths)  # [B, T, P]
        batch, count = tf.shape(targets)[0], len(self.part_depths)
        embeddings = tf.transpose(self.conduct(z, training), [1, 0, 2])  # [B, S, u]
        flat_embeddings = tf.reshape(embeddings, [-1, self.layer_sizes[-1]])
        bars = tf.reshape(targets, [-1, length, count])  # [B * S, L, P]
        previous_last = tf.reshape(targets, [batch, segments, length, count])[:, :-1, -1]
        starts = tf.reshape(tf.concat([-tf.ones([batch, 1, count], targets.dtype), previous_last],
                                      axis=1), [-1, count])  # [B * S, P]
        if controls is not None:
            controls = tf.reshape(controls, [-1, length, self.control_depth])
        skipped = 0 if segment_rows is None else max(length - int(segment_rows), 0)
        if skipped:
            bars = bars[:, :length - skipped]
            controls = None if controls is None else controls[:, :length - skipped]
        if self.split_parts:
            logits = tf.concat([core.logits(flat_embeddings, bars[..., k], starts[:, k],
                                            sampling_probability, training)
                                for k, core in enumerate(self.cores)], axis=-1)
        else:
            logits = self.cores[0].logits(flat_embeddings, bars, starts, sampling_probability,
                                          training, controls=controls)
        if skipped:
            logits = tf.pad(logits, [[0, 0], [0, skipped], [0, 0]])
        return tf.reshape(logits, [batch, segments * length, self.output_depth])
