"""Record magenta's MultiInstrumentPerformanceConverter output (multiperf parity fixtures).

    /work/magenta-oracle/bin/python tools/oracle/record_multiperf_converter.py OUT_DIR CASES...

Runs the converters of magenta's four `hier-multiperf_vel_1bar_*` configs (plain: `_med`,
`_big`; with chords: `_med_chords`, `_big_chords`) on every `*.mid` under the CASES folders
(OUT_DIR/cases: Bach chorales from `make_multiperf_midi.py` and two of the shared melody MIDI
files; tests/fixtures/magenta/trio/cases: band pieces with drums, a tempo change) and on
synthetic NoteSequences made here (`edge*`), and writes OUT_DIR/expected.npz and
OUT_DIR/fixture.json. Run it with magenta's oracle venv (never from the project).

`_med` and `_big` share their converter settings (as do the two `_chords` configs): checked
here by comparing every array, then stored once as `plain` and `chords`. Per input k (the
order of fixture.json "inputs") and kind in (plain, chords):
- `input{k}`: the serialized NoteSequence fed to magenta (uint8);
- `{kind}{k}_windows` int16 [n, 512]: every window (magenta's `to_tensors`, 'infer' mode; no
  cap), each row of the flat [512, 490] one-hot tensor as its class (argmax), -1 for an
  all-zero (padding) row; `{kind}{k}_lengths` int32 [n, 8];
- `chords{k}_controls` int16 [n, 512]: the chord class (0..48) per row, -1 for zero rows;
- `{kind}{k}_notes` float64 [m, 8]: `from_tensors(outputs, controls)`, one row per note:
  window, instrument, program, is_drum, pitch, velocity, start_time, end_time;
  `{kind}{k}_total_time` [n]; `chords{k}_chords` [c, 3]: window, time, chord class of the
  decoded CHORD_SYMBOL annotations.
Plus `{kind}_random_windows` int16 [r, 512] (random token rows: stray program tokens, tracks
with no program or no end token), `chords_random_controls`, and their decodes
`{kind}_random_notes`, `chords_random_chords` as above.
Checks made here: inputs equal outputs, every row one-hot or zero, controls likewise.
"""
import glob
import json
import os
import sys

import numpy as np
import note_seq
from magenta.models.music_vae import configs

out_dir = sys.argv[1]
case_dirs = sys.argv[2:]
NAMES = {'plain': ('hier-multiperf_vel_1bar_med', 'hier-multiperf_vel_1bar_big'),
         'chords': ('hier-multiperf_vel_1bar_med_chords', 'hier-multiperf_vel_1bar_big_chords')}
CHORD_SYMBOL = note_seq.NoteSequence.TextAnnotation.CHORD_SYMBOL
triad = note_seq.TriadChordOneHotEncoding()
QPM = 120.0


def bar_seconds(qpm=QPM):
  return 240.0 / qpm


def add(ns, instrument, program, pitch, velocity, start, end, is_drum=False):
  n = ns.notes.add(instrument=instrument, program=program, pitch=pitch, velocity=velocity,
                   start_time=start, end_time=end, is_drum=is_drum)
  ns.total_time = max(ns.total_time, end)
  return n


def new(qpm=QPM, numerator=4, denominator=4):
  ns = note_seq.NoteSequence(ticks_per_quarter=220)
  ns.tempos.add(qpm=qpm)
  ns.time_signatures.add(numerator=numerator, denominator=denominator)
  return ns


def edge_band():
  """Piano with sustain, bass, guitar and drums over 4 bars at 120 qpm, then 2 bars at 100
  qpm; bar 3 has the piano alone; notes cross bar lines; varied velocities."""
  ns = new()
  b = bar_seconds()
  rng = np.random.RandomState(1)
  for bar in range(4):
    t0 = bar * b
    for i in range(4):
      add(ns, 0, 0, 60 + 2 * i + bar, int(rng.randint(1, 128)), t0 + i * b / 4,
          t0 + i * b / 4 + b / 8)
    if bar == 3:
      continue
    add(ns, 1, 33, 36 + bar, int(rng.randint(30, 128)), t0, t0 + b * 0.75)
    add(ns, 1, 33, 43, 100, t0 + b * 0.75, t0 + b * 1.25)  # crosses the bar line
    add(ns, 3, 25, 64, int(rng.randint(1, 128)), t0 + b / 3, t0 + 2 * b / 3)  # triplets
    for i in range(8):
      add(ns, 9, 0, [36, 42, 38, 42][i % 4], int(rng.randint(40, 128)), t0 + i * b / 8,
          t0 + i * b / 8 + 0.05, is_drum=True)
  ns.control_changes.add(instrument=0, program=0, control_number=64, control_value=127,
                         time=0.1)
  ns.control_changes.add(instrument=0, program=0, control_number=64, control_value=0,
                         time=b * 1.5)
  ns.tempos.add(qpm=100.0, time=4 * b)
  b2 = bar_seconds(100.0)
  for bar in range(2):
    t0 = 4 * b + bar * b2
    add(ns, 0, 0, 72, 64, t0, t0 + b2 / 2)
    add(ns, 2, 48, 55, 80, t0 + b2 / 4, t0 + b2)
  return ns


def edge_nine():
  """Nine instruments in bar 0 (too many), eight in bar 1, programs out of order."""
  ns = new()
  b = bar_seconds()
  programs = [73, 0, 40, 33, 25, 0, 56, 19, 0]
  for i, program in enumerate(programs):
    add(ns, i, program, 48 + 3 * i, 30 + 10 * i, 0.0, b / 2, is_drum=(i == 8))
    if i < 8:
      add(ns, i, program, 50 + 3 * i, 120 - 10 * i, b + i * 0.05, b + b / 2)
  return ns


def edge_dense():
  """Two instruments; bar 0 too many events for one track (> 62), bar 1 fine."""
  ns = new()
  b = bar_seconds()
  for i in range(24):
    add(ns, 0, 0, 60 + i % 12, 20 + 4 * i, i * b / 24, i * b / 24 + b / 48)
  add(ns, 1, 32, 40, 90, 0.0, b)
  for i in range(8):
    add(ns, 0, 0, 60 + i, 90, b + i * b / 8, b + i * b / 8 + b / 16)
  add(ns, 1, 32, 41, 90, b, 2 * b)
  return ns


def edge_one_track():
  """One instrument only (4 bars): fewer than min_num_instruments."""
  ns = new()
  b = bar_seconds()
  for i in range(16):
    add(ns, 0, 0, 60 + i % 7, 90, i * b / 4, (i + 1) * b / 4)
  return ns


def edge_waltz():
  """Two instruments in 3/4: 72-step bars, not 96."""
  ns = new(numerator=3)
  for i in range(12):
    add(ns, 0, 0, 60 + i % 5, 90, i * 0.5, (i + 1) * 0.5)
    add(ns, 1, 32, 40, 90, i * 0.5, (i + 1) * 0.5)
  return ns


def edge_sparse():
  """Bar 0: two whole-bar notes (too few events in total); bar 1: short notes; bar 2: a
  pitch of 0 and 127 and a drum with program 5."""
  ns = new()
  b = bar_seconds()
  add(ns, 0, 0, 60, 90, 0.0, b)
  add(ns, 1, 0, 64, 90, 0.0, b)
  add(ns, 0, 0, 60, 90, b, b + 0.1)
  add(ns, 1, 0, 64, 90, b + 0.2, b + 0.3)
  add(ns, 0, 0, 61, 90, b + 0.4, b + 0.5)
  add(ns, 0, 0, 0, 5, 2 * b, 2 * b + 0.5)
  add(ns, 1, 5, 127, 127, 2 * b + 0.5, 3 * b, is_drum=True)
  add(ns, 2, 7, 50, 60, 2 * b + 0.25, 2 * b + 1.0)
  return ns


def edge_chords():
  """Two instruments with chord symbols (N.C., a chord change inside a bar, a 7th chord)."""
  ns = edge_one_track()
  b = bar_seconds()
  for i in range(8):
    add(ns, 1, 32, 36 + i % 5, 70, i * b / 2, (i + 1) * b / 2)
  for time, text in [(0.0, 'N.C.'), (b * 0.5, 'C'), (b, 'Am'), (b * 1.75, 'G7'),
                     (b * 2, 'Fdim'), (b * 3, 'E+')]:
    ns.text_annotations.add(time=time, text=text, annotation_type=CHORD_SYMBOL)
  return ns


EDGES = [('edge_band', edge_band), ('edge_nine', edge_nine), ('edge_dense', edge_dense),
         ('edge_one_track', edge_one_track), ('edge_waltz', edge_waltz),
         ('edge_sparse', edge_sparse), ('edge_chords', edge_chords)]


def classes(rows):
  """Class per row of a [..., depth] 0/1 array, -1 for a zero row; checks rows are one-hot."""
  rows = np.asarray(rows).astype(np.int64)
  sums = rows.sum(-1)
  assert np.all((sums == 0) | (sums == 1)), 'a row is neither one-hot nor zero'
  return np.where(sums == 1, rows.argmax(-1), -1).astype(np.int16)


def onehot(indices, depth):
  out = np.zeros(indices.shape + (depth,), bool)
  idx = np.maximum(indices, 0)
  np.put_along_axis(out, idx[..., None].astype(np.int64), True, axis=-1)
  out[indices < 0] = False
  return out


def decoded(seqs):
  notes, chords = [], []
  for w, seq in enumerate(seqs):
    for n in seq.notes:
      notes.append([w, n.instrument, n.program, n.is_drum, n.pitch, n.velocity, n.start_time,
                    n.end_time])
    for ta in seq.text_annotations:
      if ta.annotation_type == CHORD_SYMBOL:
        chords.append([w, ta.time, triad.encode_event(ta.text)])
  return (np.array(notes, np.float64).reshape(-1, 8), np.array(chords, np.float64).reshape(-1, 3),
          np.array([s.total_time for s in seqs], np.float64))


def random_windows(converter, rng, count=4):
  enc = converter._performance_encoding
  n_perf = enc.num_classes
  end = converter.end_token
  out = np.full((count, 8, 64), -1, np.int16)
  for w in range(count):
    for t in range(8):
      length = rng.randint(1, 65)
      toks = list(rng.randint(0, n_perf, size=length))
      kind = rng.randint(0, 5)
      if kind != 0:  # a program token first (0..128, 128 = drums)
        toks[0] = n_perf + (128 if kind == 1 else rng.randint(0, 128))
      if kind == 2 and length > 3:  # a stray second program token
        toks[length // 2] = n_perf + rng.randint(0, 129)
      if kind != 3 and length > 1:  # an end token (kind 3: none, rows to the end)
        toks[rng.randint(1, length)] = end
      out[w, t, :length] = toks
  return out.reshape(count, 512)


arrays = {}
inputs = []
paths = []
for d in case_dirs:
  paths += sorted(glob.glob(os.path.join(d, '*.mid')))
sequences = []
for p in paths:
  sequences.append(note_seq.midi_file_to_note_sequence(p))
  inputs.append({'name': os.path.basename(p), 'midi': os.path.relpath(p, out_dir)})
for name, make in EDGES:
  sequences.append(make())
  inputs.append({'name': name, 'doc': make.__doc__})

summary = {}
for kind, names in NAMES.items():
  converters = [configs.CONFIG_MAP[n].data_converter for n in names]
  settings = [{k: v for k, v in vars(c).items()
               if k not in ('_chord_encoding', '_performance_encoding')} for c in converters]
  assert settings[0] == settings[1], (names, settings)
  for c in converters:
    c.set_mode('infer')
  rng = np.random.RandomState(7)
  rand = random_windows(converters[0], rng)
  rand_controls = rng.randint(0, 49, size=rand.shape).astype(np.int16)
  rand_controls[rand < 0] = -1
  for ci, conv in enumerate(converters):
    got = {}
    counts = []
    for k, ns in enumerate(sequences):
      t = conv.to_tensors(ns)
      n = len(t.outputs)
      counts.append(n)
      win = np.array([classes(o) for o in t.outputs], np.int16).reshape(n, 512)
      inp = np.array([classes(i) for i in t.inputs], np.int16).reshape(n, 512)
      assert np.array_equal(win, inp)
      got[f'{kind}{k}_windows'] = win
      got[f'{kind}{k}_lengths'] = np.array(t.lengths, np.int32).reshape(n, 8)
      controls = None
      if kind == 'chords':
        ctl = np.array([classes(c) for c in t.controls], np.int16).reshape(n, 512)
        got[f'chords{k}_controls'] = ctl
        controls = [np.asarray(c) for c in t.controls] if n else None
      if n:
        seqs = conv.from_tensors([np.asarray(o) for o in t.outputs], controls)
        notes, chords, total = decoded(seqs)
      else:
        notes, chords, total = np.zeros((0, 8)), np.zeros((0, 3)), np.zeros(0)
      got[f'{kind}{k}_notes'] = notes
      got[f'{kind}{k}_total_time'] = total
      if kind == 'chords':
        got[f'chords{k}_chords'] = chords
    seqs = conv.from_tensors(
        list(onehot(rand, conv.output_depth)),
        list(onehot(rand_controls, conv.control_depth)) if kind == 'chords' else None)
    notes, chords, _ = decoded(seqs)
    got[f'{kind}_random_windows'] = rand
    got[f'{kind}_random_notes'] = notes
    if kind == 'chords':
      got['chords_random_controls'] = rand_controls
      got['chords_random_chords'] = chords
    if ci == 0:
      arrays.update(got)
      summary[kind] = {'configs': list(names), 'windows': counts,
                       'settings': {k: repr(v) for k, v in settings[0].items()}}
    else:
      for key, value in got.items():
        assert np.array_equal(value, arrays[key]), (names[ci], key)

for k, ns in enumerate(sequences):
  arrays[f'input{k}'] = np.frombuffer(ns.SerializeToString(), np.uint8)

np.savez_compressed(os.path.join(out_dir, 'expected.npz'), **arrays)
with open(os.path.join(out_dir, 'fixture.json'), 'w') as f:
  json.dump({'made_by': 'tools/oracle/record_multiperf_converter.py',
             'magenta': 'music_vae/data_hierarchical.py at GitHub head, note-seq 0.0.5',
             'inputs': inputs, 'kinds': summary}, f, indent=1)
print(json.dumps({k: v['windows'] for k, v in summary.items()}))
