"""Model parity fixture of a `hier-multiperf_vel_1bar_*` config, from magenta's own MusicVAE
code (run it with the oracle venv, never from the project):

    SEED=1234 /work/magenta-oracle/bin/python tools/oracle/make_multiperf_model_fixture.py \
        CONFIG MIDI_DIR OUT_DIR STEPS BATCH [HPARAMS]

A variant of make_model_fixture.py for the multi-instrument performance configs, whose
windows are 8 tracks of 64 rows, each track padded with all-zero rows and given its own
length (magenta's lengths [n, 8]); padding rows are class -1 here, as in the converter
fixtures (tests/fixtures/magenta/multiperf).

1. Converts every `*.mid` of MIDI_DIR with the config's converter ('train' mode), trains
   CONFIG (HPARAMS overrides) for STEPS steps of BATCH random windows through magenta's
   MusicVAE.train (feed_dict), saves the model variables only (as magenta publishes them)
   under OUT_DIR/checkpoint and OUT_DIR/CONFIG.tar, bundled as magenta publishes them.
2. With magenta's TrainedModel, per MIDI file k ('infer' mode, every window):
   - case{k}_windows int16 [n, 512]: each row's class, -1 for padding;
     case{k}_lengths int32 [n, 8]; case{k}_controls int16 [n, 512] (chords configs: chord
     class per row, -1 for padding);
   - case{k}_mu, case{k}_sigma float32 [n_enc, z]: the encoder's output for the first
     n_enc (<= ENCODED) windows;
   - case{k}_greedy_from_mu int16 [512]: decode of window 0's mu at temperature 1e-6 (its
     controls as c_input), each row the argmax class;
   - case{k}_greedy_logits float32 [len(LOGIT_ROWS), 490] (the first LOGIT_CASES cases that
     have windows): the decoder's logits of that decode at LOGIT_ROWS (the first 32 steps of
     track 0 and the first 4 of every other track, so that every conductor step is checked);
   - interp_{a}_{b}_z float32 [5, z], interp_{a}_{b}_greedy int16 [5, 512]: slerp between
     consecutive cases' window-0 mu and its greedy decodes (case a's window-0 controls);
   - random_z float32 [4, z] (N(0, 3^2), seed + 1), random_greedy int16 [4, 512]: greedy
     decodes of z far from the posterior's (the first encoded case's window-0 controls).
   - case{k}_tf_r_loss float32 [n_enc]: magenta's decoder reconstruction loss of those
     windows given their mu (teacher forcing, each track up to its length);
     case{k}_tf_logits float32 [r, 490] and case{k}_tf_rows int32 [r] (the first case only):
     the teacher-forced logits of window 0 at the first TF_ROWS rows of each track.
OUT_DIR/train_info.json (kept: INFER_ONLY=1 reruns step 2 alone) says how training went.
"""
import glob
import json
import os
import subprocess
import sys
import tarfile
import time

import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
import note_seq
from magenta.models.music_vae import configs, TrainedModel
from magenta.contrib import training as contrib_training

cfg_name, midi_dir, out_dir, steps, batch = sys.argv[1:6]
steps, batch = int(steps), int(batch)
hp_over = sys.argv[6] if len(sys.argv) > 6 else ''
seed = int(os.environ.get('SEED', '1234'))
np.random.seed(seed)
ENCODED = 4
LOGIT_CASES = 1  # greedy logits of the first case only, to keep the fixture small
TF_ROWS = 8  # teacher-forced logits: the first rows of each track of one window
TRACK = 64
LOGIT_ROWS = sorted(set(range(32)) | {TRACK * k + j for k in range(8) for j in range(4)})


def make_config():
  c = configs.CONFIG_MAP[cfg_name]
  hp = contrib_training.HParams(**c.hparams.values())
  if hp_over:
    hp.parse(hp_over)
  return configs.update_config(c, dict(hparams=hp))


def rows(x):
  """The class of every row of a one-hot tensor, -1 for all-zero rows."""
  x = np.asarray(x)
  return np.where(x.max(-1) > 0, np.argmax(x, -1), -1)


config = make_config()
dc = config.data_converter
has_controls = dc.control_depth > 0
midis = sorted(glob.glob(os.path.join(midi_dir, '*.mid')))
sequences = [note_seq.midi_file_to_note_sequence(m) for m in midis]
os.makedirs(out_dir, exist_ok=True)
info_path = os.path.join(out_dir, 'train_info.json')

if not os.environ.get('INFER_ONLY'):
  config.hparams.batch_size = batch
  dc.set_mode('train')
  ins, outs, ctrls, lens = [], [], [], []
  for ns in sequences:
    t = dc.to_tensors(ns)
    for i in range(len(t.inputs)):
      ins.append(t.inputs[i]); outs.append(t.outputs[i]); lens.append(t.lengths[i])
      ctrls.append(t.controls[i])
  n_train = len(ins)
  print('train examples', n_train, ins[0].shape, 'lengths', np.shape(lens[0]))
  ckpt_dir = os.path.join(out_dir, 'checkpoint')
  with tf.Graph().as_default():
    tf.set_random_seed(seed)
    model = config.model
    model.build(config.hparams, dc.output_depth, is_training=True)
    T = ins[0].shape[0]
    ph_in = tf.placeholder(tf.float32, [batch, T, dc.input_depth])
    ph_out = tf.placeholder(tf.float32, [batch, T, dc.output_depth])
    ph_len = tf.placeholder(tf.int32, [batch] + list(np.shape(lens[0])))
    ph_c = tf.placeholder(tf.float32, [batch, T, dc.control_depth]) if has_controls else None
    opt = model.train(ph_in, ph_out, ph_len, ph_c)
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
        idx = np.random.randint(0, n_train, batch)
        feed = {ph_in: np.stack([ins[i] for i in idx]).astype(np.float32),
                ph_out: np.stack([outs[i] for i in idx]).astype(np.float32),
                ph_len: np.stack([lens[i] for i in idx]).astype(np.int32)}
        if has_controls:
          feed[ph_c] = np.stack([ctrls[i] for i in idx]).astype(np.float32)
        _, l = sess.run([train_op, model.loss], feed)
        losses.append(float(l))
        print('step', s, l, flush=True)
      dt = time.time() - t0
      ckpt_path = saver.save(sess, os.path.join(ckpt_dir, 'model.ckpt'),
                             global_step=model.global_step, write_meta_graph=False)
      var_shapes = {v.op.name: v.shape.as_list() for v in model_vars}
  print('trained', steps, 'steps in', dt, 'loss', losses[0], '->', losses[-1])
  name = os.path.basename(ckpt_path)
  with open(os.path.join(ckpt_dir, 'checkpoint'), 'w') as f:
    f.write(f'model_checkpoint_path: "{name}"\nall_model_checkpoint_paths: "{name}"\n')
  bundle = os.path.join(out_dir, cfg_name + '.tar')
  with tarfile.open(bundle, 'w') as tar:
    for suffix in ('.index', '.data-00000-of-00001'):
      tar.add(ckpt_path + suffix, arcname=cfg_name + '.ckpt' + suffix)
  json.dump({'losses': [losses[0], losses[-1]], 'ckpt': os.path.relpath(ckpt_path, out_dir),
             'vars': var_shapes, 'seconds': dt, 'train_examples': n_train},
            open(info_path, 'w'))
  os.environ['INFER_ONLY'] = '1'
  sys.exit(subprocess.call([sys.executable] + sys.argv))

info = json.load(open(info_path))
ckpt_path = os.path.join(out_dir, info['ckpt'])
tm = TrainedModel(config, batch_size=ENCODED, checkpoint_dir_or_path=ckpt_path)
dc.set_mode('infer')
dc.max_tensors_per_notesequence = None  # every window
T = config.hparams.max_seq_len
magenta_commit = os.environ.get('MAGENTA_COMMIT', '')
record = {'config': cfg_name, 'midi_dir': midi_dir, 'hparam_overrides': hp_over,
          'train_steps': steps, 'batch_size': batch, 'seed': seed,
          'train_examples': info['train_examples'],
          'train_seconds': info['seconds'], 'losses_first_last': info['losses'],
          'variables': info['vars'], 'checkpoint': info['ckpt'], 'bundle': cfg_name + '.tar',
          'output_depth': dc.output_depth, 'control_depth': dc.control_depth,
          'logit_rows': LOGIT_ROWS, 'logit_cases': LOGIT_CASES, 'encoded_windows': ENCODED,
          'cases': [],
          'command': ('SEED=%d /work/magenta-oracle/bin/python '
                      'tools/oracle/make_multiperf_model_fixture.py %s' % (seed, ' '.join(
                          repr(a) if ',' in a else a for a in sys.argv[1:]))),
          'magenta_commit': magenta_commit,
          'made_with': 'magenta music_vae (GitHub head), TF 2.15.1 graph mode, note-seq 0.0.5: '
                       'tools/oracle/make_multiperf_model_fixture.py'}
arrays, encoded, case_controls = {}, [], {}
for k, (midi, ns) in enumerate(zip(midis, sequences)):
  t = dc.to_tensors(ns)
  entry = {'midi': os.path.basename(midi), 'num_windows': len(t.inputs)}
  record['cases'].append(entry)
  if not t.inputs:
    continue
  assert all(np.array_equal(a, b) for a, b in zip(t.inputs, t.outputs))
  arrays[f'case{k}_windows'] = np.stack([rows(x) for x in t.outputs]).astype(np.int16)
  arrays[f'case{k}_lengths'] = np.stack(t.lengths).astype(np.int32)
  controls = [c.astype(np.float32) for c in t.controls]
  if has_controls:
    arrays[f'case{k}_controls'] = np.stack([rows(c) for c in controls]).astype(np.int16)
  m = min(ENCODED, len(t.inputs))
  _, mu, sigma = tm.encode_tensors(list(t.inputs[:m]), list(t.lengths[:m]),
                                   controls[:m] if has_controls else None)
  arrays[f'case{k}_mu'] = mu.astype(np.float32)
  arrays[f'case{k}_sigma'] = sigma.astype(np.float32)
  zpad = np.pad(mu[:1], [(0, ENCODED - 1), (0, 0)])
  feed = {tm._temperature: 1e-6, tm._z_input: zpad, tm._max_length: T}
  if has_controls:
    feed[tm._c_input] = controls[0]
    case_controls[k] = controls[0]
  full = tm._sess.run(tm._decoder_results, feed)
  arrays[f'case{k}_greedy_from_mu'] = rows(np.asarray(full.samples)[0]).astype(np.int16)
  if len(encoded) < LOGIT_CASES:
    arrays[f'case{k}_greedy_logits'] = np.asarray(full.rnn_output)[0][LOGIT_ROWS].astype(
        np.float32)
  encoded.append(k)


def slerp(p0, p1, t):
  """magenta's TrainedModel._slerp, in float64 with the cosine clipped (nearly parallel mu of
  a briefly trained model)."""
  p0, p1 = np.asarray(p0, np.float64), np.asarray(p1, np.float64)
  omega = np.arccos(np.clip(np.dot(np.squeeze(p0 / np.linalg.norm(p0)),
                                   np.squeeze(p1 / np.linalg.norm(p1))), -1.0, 1.0))
  so = np.sin(omega)
  if abs(so) < 1e-12:
    return (1.0 - t) * p0 + t * p1
  return np.sin((1.0 - t) * omega) / so * p0 + np.sin(t * omega) / so * p1


record['interpolations'] = []
for a, b in list(zip(encoded[:-1], encoded[1:]))[:2]:
  zs = np.array([slerp(arrays[f'case{a}_mu'][0], arrays[f'case{b}_mu'][0], t)
                 for t in np.linspace(0, 1, 5)]).astype(np.float32)
  dec = np.asarray(tm.decode_to_tensors(zs, length=T, temperature=1e-6,
                                        c_input=case_controls.get(a)))
  arrays[f'interp_{a}_{b}_z'] = zs
  arrays[f'interp_{a}_{b}_greedy'] = rows(dec).astype(np.int16)
  record['interpolations'].append([a, b])
# Greedy decodes of z far from the briefly trained posterior's (whose decodes look alike),
# over the first encoded case's window-0 chords.
zs = np.random.RandomState(seed + 1).normal(0.0, 3.0, [ENCODED, config.hparams.z_size])
zs = zs.astype(np.float32)
dec = np.asarray(tm.decode_to_tensors(zs, length=T, temperature=1e-6,
                                      c_input=case_controls.get(encoded[0])))
arrays['random_z'] = zs
arrays['random_greedy'] = rows(dec).astype(np.int16)
record['random_controls_case'] = encoded[0]

# Teacher forcing: magenta's decoder reconstruction_loss given mu, in a graph of its own (the
# input of each step is the target row before it, across track boundaries, as MusicVAE feeds
# it; each track decoded and its loss summed up to its length).
tf_case = encoded[0]
with tf.Graph().as_default():
  config.hparams.batch_size = ENCODED
  model = config.model
  model.build(config.hparams, dc.output_depth, is_training=False)
  ph_out = tf.placeholder(tf.float32, [ENCODED, T, dc.output_depth])
  ph_len = tf.placeholder(tf.int32, [ENCODED] + list(dc.length_shape))
  ph_z = tf.placeholder(tf.float32, [ENCODED, config.hparams.z_size])
  ph_c = tf.placeholder(tf.float32, [ENCODED, T, dc.control_depth]) if has_controls else None
  x_input = tf.pad(ph_out[:, :-1], [(0, 0), (1, 0), (0, 0)])
  r_loss, _, results = model.decoder.reconstruction_loss(x_input, ph_out, ph_len, ph_z, ph_c)
  with tf.Session() as sess:
    sess.run(tf.local_variables_initializer())
    tf.train.Saver().restore(sess, ckpt_path)
    for k in encoded:
      t = dc.to_tensors(sequences[k])
      pick = [min(i, len(t.outputs) - 1) for i in range(ENCODED)]
      feed = {ph_out: np.stack([t.outputs[i] for i in pick]).astype(np.float32),
              ph_len: np.stack([t.lengths[i] for i in pick]).astype(np.int32),
              ph_z: np.pad(arrays[f'case{k}_mu'], [(0, ENCODED - len(arrays[f'case{k}_mu'])),
                                                   (0, 0)])}
      if has_controls:
        feed[ph_c] = np.stack([t.controls[i] for i in pick]).astype(np.float32)
      losses, outputs = sess.run([r_loss, results.rnn_output], feed)
      arrays[f'case{k}_tf_r_loss'] = losses[:len(arrays[f'case{k}_mu'])].astype(np.float32)
      if k == tf_case:
        # rnn_output is each track's outputs one after another, each as long as the batch's
        # longest take of that track: window 0's first TF_ROWS rows of every track
        lengths = feed[ph_len]
        starts = np.concatenate([[0], np.cumsum(lengths.max(0))])
        picked, where = [], []
        for track in range(lengths.shape[1]):
          for step in range(min(TF_ROWS, lengths[0, track])):
            picked.append(outputs[0, starts[track] + step])
            where.append(track * TRACK + step)
        arrays[f'case{k}_tf_logits'] = np.stack(picked).astype(np.float32)
        arrays[f'case{k}_tf_rows'] = np.asarray(where, np.int32)
record['teacher_forced_case'] = tf_case
np.savez_compressed(os.path.join(out_dir, 'expected.npz'), **arrays)
json.dump(record, open(os.path.join(out_dir, 'fixture.json'), 'w'), indent=1)
print('cases', len(record['cases']), 'encoded', len(encoded), 'arrays', len(arrays))
