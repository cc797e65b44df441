"""Record magenta's own data-converter output for the trio and chord configs (parity fixtures).

    /work/magenta-oracle/bin/python tools/oracle/record_converters.py trio CASES_DIR OUT_DIR
    /work/magenta-oracle/bin/python tools/oracle/record_converters.py chords CASES_DIR OUT_DIR

Runs magenta's `TrioConverter` (config `hierdec-trio_16bar`; the three trio configs share
one converter object) or the `OneHotMelodyConverter` with `TriadChordOneHotEncoding` of
`cat-mel_2bar_med_chords`, on every `*.mid` of CASES_DIR (plus, for chords, the same files
with the chord symbols of CASES_DIR/chords.json added as CHORD_SYMBOL annotations), and
writes OUT_DIR/expected.npz and OUT_DIR/fixture.json. Run it with magenta's oracle venv
(never from the project).

Per case k, in `expected.npz`:
- `case{k}_windows`: every window in 'infer' mode with no cap on the count, as class
  indices: trio int16 [n, 256, 3] (argmax of each one-hot part: melody 0..89, bass 0..89,
  drums 0..511), chords int16 [n, 32];
- `case{k}_controls` (chords): int16 [n, 32], the triad chord class (0..48) per step;
- `case{k}_eval_windows` (and `case{k}_eval_controls`): 'eval' mode with the config's
  own cap (max_tensors_per_notesequence = 5);
- `case{k}_decoded_notes` float64 [m, 8]: magenta's `from_tensors` of every window
  (controls passed for chords), one row per note: window, instrument, program, is_drum,
  pitch, velocity, start_time, end_time, in the order magenta adds them;
- `case{k}_decoded_total_time` float64 [n];
- `case{k}_decoded_chords` (chords): float64 [c, 3]: window, time, chord class of the
  CHORD_SYMBOL annotations magenta adds when decoding with controls.
Checks made here: inputs equal outputs, every part one-hot, lengths = window length.
"""
import copy
import glob
import json
import os
import sys

import numpy as np
import note_seq
from magenta.models.music_vae import configs

kind, cases_dir, out_dir = sys.argv[1:4]
CONFIG = {'trio': 'hierdec-trio_16bar', 'chords': 'cat-mel_2bar_med_chords'}[kind]
config = configs.CONFIG_MAP[CONFIG]
if kind == 'trio':
  assert all(configs.CONFIG_MAP[n].data_converter is config.data_converter
             for n in ('flat-trio_16bar', 'hierdec-trio_16bar', 'hier-trio_16bar'))
CHORD_SYMBOL = note_seq.NoteSequence.TextAnnotation.CHORD_SYMBOL
triad = note_seq.TriadChordOneHotEncoding()

chords_json = os.path.join(cases_dir, 'chords.json')
annotations = json.load(open(chords_json)) if os.path.exists(chords_json) else {}
cases = []
for path in sorted(glob.glob(os.path.join(cases_dir, '*.mid'))):
  cases.append({'midi': os.path.relpath(path, out_dir),
                'chords': False})
  if kind == 'chords' and os.path.basename(path) in annotations:
    cases.append({'midi': cases[-1]['midi'], 'chords': True})


def load(case):
  ns = note_seq.midi_file_to_note_sequence(os.path.join(out_dir, case['midi']))
  if case['chords']:
    for time, text in annotations[os.path.basename(case['midi'])]:
      ta = ns.text_annotations.add()
      ta.time, ta.text, ta.annotation_type = time, text, CHORD_SYMBOL
  return ns


def split_parts(x):
  depths = [90, 90, 512] if kind == 'trio' else [90]
  bounds = np.cumsum([0] + depths)
  assert x.shape[-1] == bounds[-1], x.shape
  parts = []
  for a, b in zip(bounds[:-1], bounds[1:]):
    assert np.all(x[..., a:b].sum(-1) == 1), 'not one-hot'
    parts.append(np.argmax(x[..., a:b], -1))
  return np.stack(parts, -1) if kind == 'trio' else parts[0]


def convert(dc, ns, mode, cap):
  dc.set_mode(mode)
  saved = dc.max_tensors_per_notesequence
  if not cap:
    dc.max_tensors_per_notesequence = None
  try:
    t = dc.to_tensors(copy.deepcopy(ns))
  finally:
    dc.max_tensors_per_notesequence = saved
  for i, o, l in zip(t.inputs, t.outputs, t.lengths):
    assert np.array_equal(i, o) and l == len(i)
  return t


arrays = {}
record = {'kind': kind, 'config': CONFIG, 'cases': [],
          'made_with': 'magenta (GitHub head) music_vae data.py, note-seq 0.0.5, TF 2.15.1, '
                       'Python 3.11: tools/oracle/record_converters.py ' + kind}
dc = config.data_converter
for k, case in enumerate(cases):
  ns = load(case)
  t = convert(dc, ns, 'infer', cap=False)
  entry = dict(case, num_windows=len(t.inputs))
  if t.inputs:
    arrays[f'case{k}_windows'] = np.stack([split_parts(x) for x in t.outputs]).astype(np.int16)
    if kind == 'chords':
      controls = np.stack(t.controls)
      assert controls.shape[-1] == triad.num_classes and np.all(controls.sum(-1) == 1)
      arrays[f'case{k}_controls'] = np.argmax(controls, -1).astype(np.int16)
    decoded = dc.from_tensors(np.stack(t.outputs).astype(np.float32),
                              np.stack(t.controls).astype(np.float32) if kind == 'chords' else None)
    notes, chords, totals = [], [], []
    for w, seq in enumerate(decoded):
      totals.append(seq.total_time)
      for n in seq.notes:
        notes.append([w, n.instrument, n.program, n.is_drum, n.pitch, n.velocity,
                      n.start_time, n.end_time])
      for ta in seq.text_annotations:
        if ta.annotation_type == CHORD_SYMBOL:
          chords.append([w, ta.time, triad.encode_event(ta.text)])
    arrays[f'case{k}_decoded_notes'] = np.array(notes, np.float64).reshape(-1, 8)
    arrays[f'case{k}_decoded_total_time'] = np.array(totals, np.float64)
    if kind == 'chords':
      arrays[f'case{k}_decoded_chords'] = np.array(chords, np.float64).reshape(-1, 3)
  e = convert(dc, ns, 'eval', cap=True)
  entry['num_eval_windows'] = len(e.inputs)
  if e.inputs:
    arrays[f'case{k}_eval_windows'] = np.stack([split_parts(x) for x in e.outputs]).astype(np.int16)
    if kind == 'chords':
      arrays[f'case{k}_eval_controls'] = np.argmax(np.stack(e.controls), -1).astype(np.int16)
  record['cases'].append(entry)
  print(k, case, entry['num_windows'], entry['num_eval_windows'])
np.savez_compressed(os.path.join(out_dir, 'expected.npz'), **arrays)
json.dump(record, open(os.path.join(out_dir, 'fixture.json'), 'w'), indent=1)
