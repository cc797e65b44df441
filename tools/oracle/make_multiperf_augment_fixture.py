"""Record magenta's training augmentation of the multiperf configs (transposition parity fixture).

    /work/magenta-oracle/bin/python tools/oracle/make_multiperf_augment_fixture.py \
        tests/fixtures/magenta/multiperf tests/fixtures/magenta/multiperf_augment

magenta's four `hier-multiperf_vel_1bar_*` configs train with
`note_sequence_augmenter=NoteSequenceAugmenter(transpose_range=(-3, 3))`: every training
NoteSequence is transposed by one random amount before the converter. To record it without
magenta's RNG, each config's augmenter is rebuilt with the one-amount range (a, a) (its
`random.randint(a, a)` is a), so the whole of magenta's `augment` runs: stretch by 1.0, then
`transpose_note_sequence(..., 0, 127)`, which deletes notes pushed outside 0..127, never moves
drums and transposes CHORD_SYMBOL annotations. The augmented sequence then goes through the
config's converter ('infer' mode: every window, no cap).

Inputs: the serialized NoteSequences of the multiperf converter fixture (SOURCE/expected.npz,
`input{k}`, named in SOURCE/fixture.json), by name: a Bach chorale, a band piece with drums,
`edge_sparse` (pitches 0 and 127, a drum) and `edge_chords` (chord symbols).
Writes OUT/expected.npz and OUT/fixture.json; per input name index i, amount a (`m3`, `0`, `p2`)
and kind (plain, chords):
- `{kind}{i}_{a}_windows` int16 [n, 512]: each row's class, -1 for an all-zero row;
- `chords{i}_{a}_controls` int16 [n, 512]: each row's chord class, -1 for zero rows;
- `notes{i}_{a}` int64 [m, 3]: the augmented sequence's notes (pitch, is_drum, instrument).
`_med`/`_big` (and the two `_chords`) share augmenter and converter: checked equal here.
"""
import json
import os
import sys

import numpy as np
import note_seq
from magenta.models.music_vae import configs, data
from note_seq import sequences_lib

source, out_dir = sys.argv[1], sys.argv[2]
NAMES = {'plain': ('hier-multiperf_vel_1bar_med', 'hier-multiperf_vel_1bar_big'),
         'chords': ('hier-multiperf_vel_1bar_med_chords', 'hier-multiperf_vel_1bar_big_chords')}
INPUTS = ['bwv66.6.mid', 'pop_verse.mid', 'edge_sparse', 'edge_chords']
AMOUNTS = {'m3': -3, '0': 0, 'p2': 2}


def classes(rows):
  """Class per row of a [..., depth] 0/1 array, -1 for a zero row; checks rows are one-hot."""
  rows = np.asarray(rows).astype(np.int64)
  sums = rows.sum(-1)
  assert np.all((sums == 0) | (sums == 1)), 'a row is neither one-hot nor zero'
  return np.where(sums == 1, rows.argmax(-1), -1).astype(np.int16)


names = [entry['name'] for entry in json.load(open(os.path.join(source, 'fixture.json')))['inputs']]
stored = np.load(os.path.join(source, 'expected.npz'))
sequences = [note_seq.NoteSequence.FromString(stored[f'input{names.index(n)}'].tobytes())
             for n in INPUTS]

arrays = {}
counts = {}
for kind, config_names in NAMES.items():
  for config_name in config_names:
    augmenter = configs.CONFIG_MAP[config_name].note_sequence_augmenter
    assert augmenter._transpose_range == (-3, 3) and augmenter._stretch_range is None
  got_by_config = []
  for config_name in config_names:
    converter = configs.CONFIG_MAP[config_name].data_converter
    converter.set_mode('infer')
    got = {}
    for i, ns in enumerate(sequences):
      for tag, amount in AMOUNTS.items():
        augmented = data.NoteSequenceAugmenter(transpose_range=(amount, amount)).augment(
            note_seq.NoteSequence.FromString(ns.SerializeToString()))
        direct, _ = sequences_lib.transpose_note_sequence(ns, amount, 0, 127)
        assert augmented == direct  # the augmenter is exactly this transposition
        t = converter.to_tensors(augmented)
        n = len(t.outputs)
        got[f'{kind}{i}_{tag}_windows'] = np.array(
            [classes(o) for o in t.outputs], np.int16).reshape(n, 512)
        if kind == 'chords':
          got[f'chords{i}_{tag}_controls'] = np.array(
              [classes(c) for c in t.controls], np.int16).reshape(n, 512)
        got[f'notes{i}_{tag}'] = np.array(
            [[x.pitch, x.is_drum, x.instrument] for x in augmented.notes], np.int64).reshape(-1, 3)
        counts[f'{kind} {INPUTS[i]} {amount:+d}'] = n
    got_by_config.append(got)
  for key in got_by_config[0]:
    assert np.array_equal(got_by_config[0][key], got_by_config[1][key]), key
  arrays.update(got_by_config[0])

os.makedirs(out_dir, exist_ok=True)
np.savez_compressed(os.path.join(out_dir, 'expected.npz'), **arrays)
with open(os.path.join(out_dir, 'fixture.json'), 'w') as f:
  json.dump({'made_by': 'tools/oracle/make_multiperf_augment_fixture.py',
             'magenta': 'music_vae/data.py NoteSequenceAugmenter + data_hierarchical.py '
                        'MultiInstrumentPerformanceConverter at GitHub head, note-seq 0.0.5',
             'source': os.path.relpath(os.path.join(source, 'expected.npz'), out_dir),
             'inputs': INPUTS, 'amounts': AMOUNTS, 'windows': counts}, f, indent=1)
print(json.dumps(counts, indent=1))
