"""Model parity fixture for a drum config, made with magenta's own MusicVAE code.

    SEED=1234 /work/magenta-oracle/bin/python tools/oracle/make_drum_fixture.py \
        CONFIG TRAIN.tfrecord CASES_DIR OUT_DIR STEPS BATCH [HPARAMS]

The drum counterpart of shared/tools/magenta-oracle/make_fixture.py (same training: magenta's
graph fed through feed_dict, Adam with magenta's clipping, a model-only checkpoint), with the
recording adapted to drum outputs:
- cat-drums (one-hot over 512 drum-class combinations): outputs are class indices (argmax);
- nade-drums (multi-label roll decoded by a NADE; nade-drums_2bar_reduced with 9 classes,
  nade-drums_2bar_full with 61, one per General MIDI drum pitch): outputs are 0/1 rolls
  [T, classes]; the
  "greedy" decode is the NADE's own deterministic mode (temperature None: each bit is 1 when
  its conditional probability is >= 0.5, given the bits before it), and the decode at
  temperature 1e-6 (what TrainedModel does when asked for ~0) is recorded beside it.
For every case MIDI (converter in eval mode, no cap: every window, magenta's set order):
- case{k}_windows: every window (cat: int16 [n, T] class indices = step masks; nade: uint8
  [n, T, C] rolls); case{k}_input0: the encoder input of window 0 (uint8 [T, input_depth]);
- case{k}_mu / case{k}_sigma [z]: the encoder's output for window 0;
- teacher forcing (decoder fed the true previous outputs, z = mu, no sampling):
  case{k}_tf_rnn_output [T, D] (cat: the 512 logits, first 3 encoded cases only; nade: the output projection, i.e. the
  NADE biases [b_enc (nade_num_hidden) | b_dec (C)]), case{k}_tf_r_loss (summed over steps:
  cross-entropy for cat, -log p(x) for nade); nade also case{k}_tf_nade_log_probs [T]
  (log p of the true roll at each step) and case{k}_tf_nade_cond_probs [T, C];
- decoding from mu: cat: case{k}_greedy_from_mu int16 [T] and case{k}_greedy_logits [T, 512]
  (temperature 1e-6; logits for the first 3 encoded cases); nade: case{k}_greedy_from_mu uint8 [T, C] and case{k}_greedy_rnn_output
  [T, H + C] (temperature None), case{k}_temp0_from_mu uint8 [T, C] (temperature 1e-6);
- interp_{a}_{b}_z [5, z] (slerp between consecutive cases' mu) and interp_{a}_{b}_greedy
  (their greedy decodes, as above).
fixture.json records the config, hparams, losses, every checkpoint variable's name and shape.
"""
import copy
import glob
import json
import os
import re
import shutil
import sys
import tarfile
import time

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
import note_seq  # noqa: E402
from magenta.contrib import training as contrib_training  # noqa: E402
from magenta.models.music_vae import configs  # noqa: E402

cfg_name, tfrecord, cases_dir, out_dir, steps, batch = sys.argv[1:7]
steps, batch = int(steps), int(batch)
hp_over = sys.argv[7] if len(sys.argv) > 7 else ''
seed = int(os.environ.get('SEED', '1234'))
np.random.seed(seed)
T = 32
RAW_CASES = 3  # cat: the [T, 512] logits are kept for the first 3 encoded cases (fixture size)


def make_config(extra=''):
    base = configs.CONFIG_MAP[cfg_name]
    hp = contrib_training.HParams(**base.hparams.values())
    if hp_over:
        hp.parse(hp_over)
    if extra:
        hp.parse(extra)
    return configs.update_config(copy.deepcopy(base), dict(hparams=hp))


# ---- training (magenta's train step through feed_dict, as make_fixture.py)
config = make_config()
config.hparams.batch_size = batch
dc = config.data_converter
dc.set_mode('train')
ins, outs, lens = [], [], []
for r in tf.python_io.tf_record_iterator(tfrecord):
    t = dc.to_tensors(note_seq.NoteSequence.FromString(r))
    for i in range(len(t.inputs)):
        ins.append(t.inputs[i]); outs.append(t.outputs[i]); lens.append(t.lengths[i])
N = len(ins)
print('train examples', N, ins[0].shape, outs[0].shape)
os.makedirs(out_dir, exist_ok=True)
ckpt_dir = os.path.join(out_dir, 'checkpoint')
with tf.Graph().as_default():
    tf.set_random_seed(seed)
    model = config.model
    model.build(config.hparams, dc.output_depth, is_training=True)
    ph_in = tf.placeholder(tf.float32, [batch, T, dc.input_depth])
    ph_out = tf.placeholder(tf.float32, [batch, T, dc.output_depth])
    ph_len = tf.placeholder(tf.int32, [batch])
    opt = model.train(ph_in, ph_out, ph_len, None)
    grads, var_list = list(zip(*opt.compute_gradients(model.loss)))
    gn = tf.global_norm(grads)
    clipped = tf.clip_by_global_norm(grads, config.hparams.grad_clip, use_norm=gn)[0]
    train_op = opt.apply_gradients(list(zip(clipped, var_list)), global_step=model.global_step)
    model_vars = tf.trainable_variables() + [model.global_step]
    saver = tf.train.Saver(var_list=model_vars)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        t0 = time.time(); losses = []
        for s in range(steps):
            idx = np.random.randint(0, N, batch)
            _, l = sess.run([train_op, model.loss], {
                ph_in: np.stack([ins[i] for i in idx]).astype(np.float32),
                ph_out: np.stack([outs[i] for i in idx]).astype(np.float32),
                ph_len: np.array([lens[i] for i in idx], np.int32)})
            losses.append(float(l))
        dt = time.time() - t0
        ckpt_path = saver.save(sess, os.path.join(ckpt_dir, 'model.ckpt'),
                               global_step=model.global_step, write_meta_graph=False)
        var_shapes = {v.op.name: v.shape.as_list() for v in model_vars}
print('trained', steps, 'steps in', round(dt, 1), 's, loss', losses[0], '->', losses[-1])
# relative paths in the checkpoint index file
ckpt_name = os.path.basename(ckpt_path)
with open(os.path.join(ckpt_dir, 'checkpoint'), 'w') as f:
    f.write(f'model_checkpoint_path: "{ckpt_name}"\nall_model_checkpoint_paths: "{ckpt_name}"\n')

# ---- inference graph (as TrainedModel builds it, plus teacher forcing and NADE greedy)
config = make_config('sampling_schedule=constant,sampling_rate=0')  # teacher forcing
config.hparams.batch_size = 1
dc = config.data_converter
is_nade = dc.output_depth != 512
hp = config.hparams
with tf.Graph().as_default():
    model = config.model
    model.build(hp, dc.output_depth, is_training=False)
    x_in = tf.placeholder(tf.float32, [1, T, dc.input_depth])
    x_out = tf.placeholder(tf.float32, [1, T, dc.output_depth])
    x_len = tf.placeholder(tf.int32, [1])
    z_ph = tf.placeholder(tf.float32, [1, hp.z_size])
    temp = tf.placeholder(tf.float32, ())
    with tf.variable_scope(tf.get_variable_scope(), reuse=tf.AUTO_REUSE):  # decoder used 2-3x
        q_z = model.encode(x_in, x_len)
        mu, sigma = q_z.loc, q_z.scale.diag
        x_prev = tf.pad(x_out[:, :-1], [(0, 0), (1, 0), (0, 0)])
        r_loss, _, tf_res = model.decoder.reconstruction_loss(x_prev, x_out, x_len, z=z_ph)
        _, temp_res = model.sample(1, max_length=T, z=z_ph, temperature=temp)
        if is_nade:
            nade = model.decoder._nade
            flat = tf.reshape(tf_res.rnn_output, [T, -1])
            b_enc, b_dec = tf.split(flat, [nade.num_hidden, dc.output_depth], axis=1)
            nade_ll, nade_cond = nade.log_prob(tf.reshape(x_out, [T, -1]), b_enc=b_enc, b_dec=b_dec)
            _, greedy_res = model.sample(1, max_length=T, z=z_ph, temperature=None)
    sess = tf.Session()
    sess.run(tf.local_variables_initializer())
    tf.train.Saver(var_list=[v for v in tf.global_variables() if v.op.name in var_shapes]
                   ).restore(sess, ckpt_path)

    def greedy(z):
        """Greedy decode of one z: (events, raw decoder output)."""
        if is_nade:
            res = sess.run(greedy_res, {z_ph: z[None]})
            return np.asarray(res.samples)[0].astype(np.uint8), np.asarray(res.rnn_output)[0]
        res = sess.run(temp_res, {z_ph: z[None], temp: 1e-6})
        return np.argmax(np.asarray(res.samples)[0], -1).astype(np.int16), \
            np.asarray(res.rnn_output)[0]

    dc.set_mode('eval')
    dc.max_tensors_per_notesequence = None  # every window
    cases = sorted(glob.glob(os.path.join(cases_dir, '*.mid')))
    record = {'config': cfg_name, 'hparam_overrides': hp_over, 'train_steps': steps,
              'batch_size': batch, 'seed': seed, 'losses_first_last': [losses[0], losses[-1]],
              'train_examples': N, 'train_seconds': round(dt, 1),
              'variables': var_shapes, 'checkpoint': os.path.join('checkpoint', ckpt_name),
              'input_depth': dc.input_depth, 'output_depth': dc.output_depth, 'cases': []}
    arrays = {}
    enc_ok = []
    for k, path in enumerate(cases):
        t = dc.to_tensors(note_seq.midi_file_to_note_sequence(path))
        record['cases'].append({'midi': os.path.join('cases', os.path.basename(path)),
                                'num_windows': len(t.inputs)})
        if not t.inputs:
            continue
        o = np.array(t.outputs, bool)
        arrays[f'case{k}_windows'] = (o.astype(np.uint8) if is_nade
                                      else np.argmax(o, -1).astype(np.int16))
        i0 = np.array(t.inputs[0], np.float32)[None]
        o0 = o[:1].astype(np.float32)
        arrays[f'case{k}_input0'] = i0[0].astype(np.uint8)
        m, s = sess.run([mu, sigma], {x_in: i0, x_len: [T]})
        arrays[f'case{k}_mu'], arrays[f'case{k}_sigma'] = m[0], s[0]
        feed = {x_out: o0, x_len: [T], z_ph: m}
        if is_nade:
            rl, res, ll, cond = sess.run([r_loss, tf_res, nade_ll, nade_cond], feed)
            arrays[f'case{k}_tf_nade_log_probs'] = ll
            arrays[f'case{k}_tf_nade_cond_probs'] = cond
        else:
            rl, res = sess.run([r_loss, tf_res], feed)
        keep_raw = is_nade or len(enc_ok) < RAW_CASES  # 512 logits per step: a few cases only
        if keep_raw:
            arrays[f'case{k}_tf_rnn_output'] = np.asarray(res.rnn_output)[0]
        arrays[f'case{k}_tf_r_loss'] = np.float32(rl[0])
        events, raw = greedy(m[0])
        arrays[f'case{k}_greedy_from_mu'] = events
        if keep_raw:
            arrays[f'case{k}_greedy_{"rnn_output" if is_nade else "logits"}'] = raw
        if is_nade:
            res = sess.run(temp_res, {z_ph: m, temp: 1e-6})
            arrays[f'case{k}_temp0_from_mu'] = np.asarray(res.samples)[0].astype(np.uint8)
        enc_ok.append(k)

    def slerp(p0, p1, t):
        omega = np.arccos(np.dot(p0 / np.linalg.norm(p0), p1 / np.linalg.norm(p1)))
        so = np.sin(omega)
        return np.sin((1.0 - t) * omega) / so * p0 + np.sin(t * omega) / so * p1

    record['interpolations'] = []
    for a, b in list(zip(enc_ok[:-1], enc_ok[1:]))[:3]:
        zs = np.array([slerp(arrays[f'case{a}_mu'], arrays[f'case{b}_mu'], t)
                       for t in np.linspace(0, 1, 5)]).astype(np.float32)
        arrays[f'interp_{a}_{b}_z'] = zs
        arrays[f'interp_{a}_{b}_greedy'] = np.stack([greedy(z)[0] for z in zs])
        record['interpolations'].append([a, b])
    sess.close()

arrays = {k: (v.astype(np.float32) if v.dtype == np.float64 else v) for k, v in arrays.items()}
np.savez_compressed(os.path.join(out_dir, 'expected.npz'), **arrays)

# ---- the input MIDI, the published-style bundle, and how it was all made
os.makedirs(os.path.join(out_dir, 'cases'), exist_ok=True)
for path in cases:
    shutil.copyfile(path, os.path.join(out_dir, 'cases', os.path.basename(path)))
bundle = f'{cfg_name}.tar'
with tarfile.open(os.path.join(out_dir, bundle), 'w', format=tarfile.GNU_FORMAT) as tar:
    for suffix in ('index', 'data-00000-of-00001'):
        tar.add(f'{ckpt_path}.{suffix}', arcname=f'{cfg_name}.ckpt.{suffix}')
ARCH = {'enc_rnn_size', 'dec_rnn_size', 'z_size', 'nade_num_hidden', 'free_bits'}
record['hparam_arch'] = ','.join(item for item in re.findall(r'[^,\[]+(?:\[[^\]]*\])?', hp_over)
                                 if item.split('=')[0] in ARCH)
record['bundle'] = bundle
record['how'] = (
    f'SEED={seed} tools/oracle/make_drum_fixture.py {cfg_name} TRAIN.tfrecord CASES OUT {steps} '
    f'{batch} "{hp_over}" with the magenta oracle venv (magenta music_vae at GitHub head, '
    'TF 2.15.1 graph mode, note-seq 0.0.5, Python 3.11); TRAIN.tfrecord = '
    'tools/oracle/make_drum_tfrecord.py on tests/fixtures/magenta/drums/cases and edge_cases.npz '
    f'(each sequence 4 times; {N} train-mode windows); CASES = '
    'tests/fixtures/magenta/drums/cases (tools/make_drum_midi.py). The checkpoint holds only '
    'the model variables; the .tar bundles it as magenta publishes its checkpoints.')
json.dump(record, open(os.path.join(out_dir, 'fixture.json'), 'w'), indent=1)
print('cases', len(cases), 'encoded', len(enc_ok), 'arrays', len(arrays))
