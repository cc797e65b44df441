"""GrooVAE model parity fixture from magenta's own MusicVAE code (BidirectionalLstmEncoder over
float windows, GrooveLstmDecoder).

    SEED=1234 /work/magenta-oracle/bin/python tools/oracle/make_groove_model_fixture.py \
        CONFIG CASES_DIR OUT_DIR STEPS BATCH [HPARAMS]

Runs with the magenta oracle venv (magenta's own code; never imported by the project).
CASES_DIR holds `*.mid` drum performances (tests/fixtures/magenta/groove/cases); they are
both the training data and the cases recorded.

1. Converts every file with the config's converter in 'train' mode (a file magenta's
   training-mode converter refuses, KeyError for a pitch outside the Roland classes, is
   skipped) and trains CONFIG (HPARAMS overrides on top; the config's dropout_keep_prob
   applies while training) for STEPS steps of BATCH random windows (feed_dict path, controls
   fed when the config has them, gradients clipped to global norm grad_clip as magenta's
   trainer), then saves the model variables only (as magenta's published checkpoints) and
   OUT_DIR/CONFIG.tar, bundled as magenta publishes them.
2. With magenta's TrainedModel (infer mode: the reduced pitch classes), per case k (every
   window, in order):
   - case{k}_inputs, case{k}_outputs float32 [T, 27], case{k}_controls float32 [T, c]:
     window 0 as magenta's converter gives it (what was fed below);
   - case{k}_mu, case{k}_sigma float32 [z]: the posterior of window 0;
   - case{k}_encoding float32 [2 * enc_rnn_size[-1]]: the encoder's output (mu's input);
   - case{k}_samples float32 [T, 27]: decode of mu at temperature 1e-6 (hits drawn from
     Bernoulli(logits / 1e-6): the greedy hits; sigmoid velocities, tanh offsets), window 0's
     controls as c_input; case{k}_rnn_output float32 [T, 27]: that decode's raw outputs (hit
     logits, velocity and offset pre-activations);
   - interp_{a}_{b}_z float32 [5, z], interp_{a}_{b}_samples float32 [5, T, 27]: slerp
     between consecutive cases' mu and its greedy decodes (case a's window-0 controls).
3. The loss on a batch (`loss_*`): the first LOSS_BATCH windows of all cases in order, their
   inputs, outputs, controls; in an is_training=False graph with z = mu (magenta's training
   loss draws z; mu makes it deterministic): `loss_r` [B] (the decoder's
   reconstruction_loss: per step hits log loss (tf.losses.log_loss, epsilon 1e-7) plus
   squared errors of velocities and offsets, summed over classes and steps),
   `loss_rnn_output` [B, T, 27] (teacher-forced raw outputs), `loss_kl` [B] (KL of q(z|x)
   to N(0, I) in nats), `loss_total` (mean(r) + beta * mean(max(kl - free_bits ln 2, 0)) with
   beta = (1 - beta_rate^global_step) * max_beta), `loss_beta`.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tarfile
import time

import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
import tensorflow_probability as tfp
import note_seq
from magenta.models.music_vae import configs, TrainedModel
from magenta.contrib import training as contrib_training

cfg_name, cases_dir, out_dir, steps, batch = sys.argv[1:6]
steps, batch = int(steps), int(batch)
hp_over = sys.argv[6] if len(sys.argv) > 6 else ''
seed = int(os.environ.get('SEED', '1234'))
np.random.seed(seed)
ARCH_KEYS = ('enc_rnn_size', 'dec_rnn_size', 'z_size', 'free_bits', 'max_beta')
LOSS_BATCH = 4
GREEDY = 1e-6
MAGENTA_GIT = os.environ.get('MAGENTA_GIT', '/work/.mirror/magenta+magenta/repo')


def make_config():
  c = configs.CONFIG_MAP[cfg_name]
  hp = contrib_training.HParams(**c.hparams.values())
  if hp_over:
    hp.parse(hp_over)
  return configs.update_config(c, dict(hparams=hp))


def load_dir(folder):
  return [(os.path.basename(m), note_seq.midi_file_to_note_sequence(m))
          for m in sorted(glob.glob(os.path.join(folder, '*.mid')))]


config = make_config()
dc = config.data_converter
has_controls = dc.control_depth > 0
os.makedirs(out_dir, exist_ok=True)
info_path = os.path.join(out_dir, 'train_info.json')

if not os.environ.get('INFER_ONLY'):
  config.hparams.batch_size = batch
  dc.set_mode('train')
  ins, outs, ctrls, lens, skipped = [], [], [], [], []
  for name, ns in load_dir(cases_dir):
    try:
      t = dc.to_tensors(ns)
    except KeyError as error:
      skipped.append([name, 'KeyError ' + str(error)])
      continue
    for i in range(len(t.inputs)):
      ins.append(t.inputs[i]); outs.append(t.outputs[i]); lens.append(t.lengths[i])
      ctrls.append(t.controls[i])
  n_train = len(ins)
  print('train examples', n_train, ins[0].shape, 'controls', ctrls[0].shape, 'skipped', skipped)
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
             'vars': var_shapes, 'seconds': dt, 'train_examples': n_train,
             'train_skipped': skipped}, open(info_path, 'w'))
  os.environ['INFER_ONLY'] = '1'
  sys.exit(subprocess.call([sys.executable] + sys.argv))

info = json.load(open(info_path))
ckpt_path = os.path.join(out_dir, info['ckpt'])
tm = TrainedModel(config, batch_size=4, checkpoint_dir_or_path=ckpt_path)
ENCODING = next(op.inputs[0] for op in tm._sess.graph.get_operations()
                if op.name == 'encoder/mu/MatMul')


def encoding_of(inputs, lengths, controls):
  """The encoder's output (mu's input) through TrainedModel.encode_tensors' own feeding."""
  sampled_z, tm._z = tm._z, ENCODING
  try:
    return tm.encode_tensors(inputs, lengths, controls)[0]
  finally:
    tm._z = sampled_z


dc.set_mode('infer')
T = config.hparams.max_seq_len
arch = ','.join(f'{k}={v}' for k, v in
                [kv.split('=', 1) for kv in re.split(r',(?![^\[]*\])', hp_over) if kv]
                if k in ARCH_KEYS)
try:
  magenta_commit = subprocess.check_output(['git', '--git-dir', MAGENTA_GIT, 'rev-parse', 'HEAD'],
                                           text=True).strip()
except Exception:  # pylint: disable=broad-except
  magenta_commit = 'unknown'
record = {'config': cfg_name, 'hparam_overrides': hp_over, 'hparam_arch': arch,
          'train_steps': steps, 'batch_size': batch, 'seed': seed,
          'command': f'SEED={seed} /work/magenta-oracle/bin/python '
                     f'tools/oracle/make_groove_model_fixture.py {cfg_name} CASES_DIR OUT_DIR '
                     f'{steps} {batch} {hp_over!r}',
          'magenta_commit': magenta_commit,
          'train_examples': info['train_examples'], 'train_skipped': info['train_skipped'],
          'train_seconds': info['seconds'], 'losses_first_last': info['losses'],
          'variables': info['vars'], 'checkpoint': info['ckpt'], 'bundle': cfg_name + '.tar',
          'control_depth': dc.control_depth, 'greedy_temperature': GREEDY, 'cases': [],
          'made_with': 'magenta (GitHub head) music_vae, TF 2.15.1 graph mode, note-seq 0.0.5: '
                       'tools/oracle/make_groove_model_fixture.py'}
arrays, enc_ok, case_controls = {}, [], {}
all_windows = []
for k, (midi, ns) in enumerate(load_dir(cases_dir)):
  t = dc.to_tensors(ns)
  record['cases'].append({'midi': 'groove/cases/' + midi, 'num_windows': len(t.inputs)})
  if not t.inputs:
    continue
  controls = [c.astype(np.float32) for c in t.controls]
  for i in range(len(t.inputs)):
    all_windows.append((t.inputs[i], t.outputs[i], controls[i]))
  arrays[f'case{k}_inputs'] = np.asarray(t.inputs[0], np.float32)
  arrays[f'case{k}_outputs'] = np.asarray(t.outputs[0], np.float32)
  arrays[f'case{k}_controls'] = controls[0]
  # fresh lists for every call: encode_tensors pads the lists it is given in place
  feed_c = lambda: [controls[0]] if has_controls else None  # noqa: E731
  _, mu, sigma = tm.encode_tensors([t.inputs[0]], [t.lengths[0]], feed_c())
  arrays[f'case{k}_mu'] = mu[0].astype(np.float32)
  arrays[f'case{k}_sigma'] = sigma[0].astype(np.float32)
  arrays[f'case{k}_encoding'] = encoding_of([t.inputs[0]], [t.lengths[0]], feed_c())[0].astype(
      np.float32)
  zpad = np.pad(mu[:1], [(0, tm._config.hparams.batch_size - 1), (0, 0)])
  feed = {tm._temperature: GREEDY, tm._z_input: zpad, tm._max_length: T}
  if has_controls:
    feed[tm._c_input] = controls[0]
    case_controls[k] = controls[0]
  full = tm._sess.run(tm._decoder_results, feed)
  arrays[f'case{k}_samples'] = np.asarray(full.samples)[0].astype(np.float32)
  arrays[f'case{k}_rnn_output'] = np.asarray(full.rnn_output)[0].astype(np.float32)
  enc_ok.append(k)


def slerp(p0, p1, t):
  """magenta's TrainedModel._slerp, in float64 with the cosine clipped."""
  p0, p1 = np.asarray(p0, np.float64), np.asarray(p1, np.float64)
  omega = np.arccos(np.clip(np.dot(np.squeeze(p0 / np.linalg.norm(p0)),
                                   np.squeeze(p1 / np.linalg.norm(p1))), -1.0, 1.0))
  so = np.sin(omega)
  if abs(so) < 1e-12:
    return (1.0 - t) * p0 + t * p1
  return np.sin((1.0 - t) * omega) / so * p0 + np.sin(t * omega) / so * p1


record['interpolations'] = []
for a, b in list(zip(enc_ok[:-1], enc_ok[1:]))[:2]:
  zs = np.array([slerp(arrays[f'case{a}_mu'], arrays[f'case{b}_mu'], t)
                 for t in np.linspace(0, 1, 5)]).astype(np.float32)
  dec = np.asarray(tm.decode_to_tensors(zs, length=T, temperature=GREEDY,
                                        c_input=case_controls.get(a)))
  arrays[f'interp_{a}_{b}_z'] = zs
  arrays[f'interp_{a}_{b}_samples'] = dec.astype(np.float32)
  record['interpolations'].append([a, b])

# The loss on a batch, z = mu, in an evaluation graph.
loss_windows = all_windows[:LOSS_BATCH]
B = len(loss_windows)
x_in = np.stack([w[0] for w in loss_windows]).astype(np.float32)
x_out = np.stack([w[1] for w in loss_windows]).astype(np.float32)
x_c = np.stack([w[2] for w in loss_windows]).astype(np.float32)
eval_config = make_config()
eval_config.hparams.batch_size = B
with tf.Graph().as_default():
  model = eval_config.model
  model.build(eval_config.hparams, dc.output_depth, is_training=False)
  hp = eval_config.hparams
  ph_in = tf.placeholder(tf.float32, [B, T, dc.input_depth])
  ph_out = tf.placeholder(tf.float32, [B, T, dc.output_depth])
  ph_c = tf.placeholder(tf.float32, [B, T, dc.control_depth]) if has_controls else None
  lengths = tf.fill([B], T)
  q_z = model.encode(ph_in, lengths, ph_c)
  mu = q_z.loc
  x_input = tf.pad(ph_out[:, :T - 1], [(0, 0), (1, 0), (0, 0)])
  r_loss, _, results = model.decoder.reconstruction_loss(x_input, ph_out, lengths, mu, ph_c)
  p_z = tfp.distributions.MultivariateNormalDiag(loc=[0.] * hp.z_size, scale_diag=[1.] * hp.z_size)
  kl = tfp.distributions.kl_divergence(q_z, p_z)
  kl_cost = tf.maximum(kl - hp.free_bits * tf.math.log(2.0), 0)
  beta = (1.0 - tf.pow(hp.beta_rate, tf.to_float(model.global_step))) * hp.max_beta
  total = tf.reduce_mean(r_loss) + beta * tf.reduce_mean(kl_cost)
  saver = tf.train.Saver(tf.global_variables())
  with tf.Session() as sess:
    saver.restore(sess, ckpt_path)
    feed = {ph_in: x_in, ph_out: x_out}
    if has_controls:
      feed[ph_c] = x_c
    values = sess.run({'r': r_loss, 'rnn_output': results.rnn_output, 'kl': kl,
                       'total': total, 'beta': beta, 'step': model.global_step}, feed)
arrays.update({'loss_inputs': x_in, 'loss_outputs': x_out, 'loss_controls': x_c,
               'loss_r': values['r'].astype(np.float32),
               'loss_rnn_output': values['rnn_output'].astype(np.float32),
               'loss_kl': values['kl'].astype(np.float32),
               'loss_total': np.float32(values['total']), 'loss_beta': np.float32(values['beta'])})
record['global_step'] = int(values['step'])
record['loss_batch'] = B
np.savez_compressed(os.path.join(out_dir, 'expected.npz'), **arrays)
json.dump(record, open(os.path.join(out_dir, 'fixture.json'), 'w'), indent=1)
print('cases', len(record['cases']), 'encoded', len(enc_ok), 'arrays', len(arrays),
      'loss', values['total'], 'step', values['step'])
