"""Record magenta's DrumsConverter on the drum fixture MIDI (ground truth for serenade.drums).

    /work/magenta-oracle/bin/python tools/oracle/record_drum_converter.py CASES_DIR OUT_DIR

Runs with the magenta oracle venv (magenta's own music_vae code; never imported by the
project). For each drum config (cat-drums_2bar_small/big, nade-drums_2bar_reduced/full)
writes OUT_DIR/<config>.npz with, per input k (the MIDI files of CASES_DIR in sorted
order, then the synthetic edge cases `edge{j}` stored in OUT_DIR/edge_cases.npz):

- `{k}_all_inputs|outputs|lengths`: `to_tensors` in infer mode with no cap (every window,
  in the order of magenta's Python `set`);
- `{k}_eval_inputs|outputs|lengths`: eval mode with the config's cap (5): magenta keeps the
  first 5 in set order, per piece and then over the sequence;
- `{k}_train{d}_outputs` (d = 0..2): train mode draws (np.random.seed(1000 * k + d)): a
  random subset; only their count and membership can be compared;
- `{k}_decoded{i}`: the serialized NoteSequence `from_tensors` makes of each of the
  `all_outputs` windows;
- `{k}_random_decoded{i}`: `from_tensors` on random tensors: cat: one-hot rows of the random
  classes `{k}_random_labels` [3, 32] (decoded by argmax); nade: the random bool rolls
  `{k}_random_samples` [3, 32, classes].
Also writes OUT_DIR/fixture.json describing it all.
"""
import copy
import glob
import json
import os
import sys

import numpy as np
import note_seq
from note_seq.protobuf import music_pb2
from magenta.models.music_vae import configs

CONFIGS = ['cat-drums_2bar_small', 'cat-drums_2bar_big', 'nade-drums_2bar_reduced',
           'nade-drums_2bar_full']


def edge_cases():
    """Synthetic NoteSequences for rules the MIDI files do not reach."""
    cases = []

    def seq(qpm=120.0, ts=((0.0, 4, 4),)):
        s = music_pb2.NoteSequence()
        s.ticks_per_quarter = 220
        s.tempos.add(time=0.0, qpm=qpm)
        for time, num, den in ts:
            s.time_signatures.add(time=time, numerator=num, denominator=den)
        return s

    def add(s, step, pitch, velocity=100, drum=True, instrument=9, program=0, qpm=120.0):
        t = step * 60.0 / qpm / 4
        s.notes.add(pitch=pitch, velocity=velocity, start_time=t, end_time=t + 0.05,
                    is_drum=drum, instrument=instrument, program=program)
        s.total_time = max(s.total_time, t + 0.05)

    # edge0: a 110-bar drum track, every bar different: truncated to 100 bars before slicing
    s = seq()
    for bar in range(110):
        add(s, bar * 16, 36)
        add(s, bar * 16 + 4, 38)
        add(s, bar * 16 + (bar % 13) + 1, 42)
        if bar % 3 == 0:
            add(s, bar * 16 + 14, 46)
    cases.append(s)
    # edge1: zero-velocity drum hits, non-drum notes at drum pitches, unmapped pitches,
    # simultaneous hits of one class (35 and 36), starts mid-song (bar 3, step 5)
    s = seq()
    for bar in range(3, 8):
        add(s, bar * 16 + 5, 36)
        add(s, bar * 16 + 5, 35)
        add(s, bar * 16 + 9, 38, velocity=0)
        add(s, bar * 16 + 10, 38, drum=False, instrument=0, program=0)
        add(s, bar * 16 + 12, 42 if bar % 2 else 120)
        add(s, bar * 16 + 13, 22)
    cases.append(s)
    # edge2: metre changes 4/4 (4 bars) -> 3/4 (4 bars) -> 4/4 (4 bars): three pieces
    s = seq(ts=((0.0, 4, 4), (8.0, 3, 4), (14.0, 4, 4)))
    for step in range(0, 32 * 4, 2):
        add(s, step, 42)
        if step % 8 == 0:
            add(s, step, 36 if step % 16 == 0 else 38)
    for step in range(0, 12 * 4, 3):
        add(s, 64 + step, 51)
    for step in range(0, 64, 4):
        add(s, 112 + step, 36 if step % 8 == 0 else 40)
    cases.append(s)
    # edge3: no drums at all, and an empty sequence
    s = seq()
    add(s, 0, 60, drum=False, instrument=0)
    add(s, 40, 62, drum=False, instrument=0)
    cases.append(s)
    cases.append(seq())
    # edge5: the gap rule at its boundary: a gap of exactly 16 steps after the step after a
    # hit splits; 15 does not; hits that do not start at step 0 of the first bar
    s = seq()
    add(s, 2, 36)
    add(s, 2 + 1 + 15, 38)   # 15 empty steps: same track
    add(s, 18 + 1 + 16, 42)  # 16 empty steps: a new track from the bar of step 35
    add(s, 35 + 1 + 40, 49)
    add(s, 90, 51)
    cases.append(s)
    return cases


def tensors(c, ns):
    t = c.to_tensors(ns)
    if not t.inputs:
        return (np.zeros((0, 32, c.input_depth), bool), np.zeros((0, 32, c.output_depth), bool),
                np.zeros((0,), np.int32))
    ins = np.array(t.inputs, bool)
    outs = np.array(t.outputs, bool)
    return ins, outs, np.array(t.lengths, np.int32)


def main():
    cases_dir, out_dir = sys.argv[1:3]
    os.makedirs(out_dir, exist_ok=True)
    midis = sorted(glob.glob(os.path.join(cases_dir, '*.mid')))
    inputs = [(os.path.basename(p), note_seq.midi_file_to_note_sequence(p)) for p in midis]
    edges = edge_cases()
    np.savez_compressed(os.path.join(out_dir, 'edge_cases.npz'), **{
        f'edge{j}': np.frombuffer(s.SerializeToString(), np.uint8) for j, s in enumerate(edges)})
    inputs += [(f'edge{j}', s) for j, s in enumerate(edges)]
    record = {'configs': {}, 'inputs': [name for name, _ in inputs]}
    for cfg in CONFIGS:
        base = configs.CONFIG_MAP[cfg].data_converter
        arrays = {}
        counts = []
        for k, (name, ns) in enumerate(inputs):
            c = copy.deepcopy(base)
            c.set_mode('infer')
            c.max_tensors_per_notesequence = None
            ins, outs, lens = tensors(c, ns)
            arrays[f'{k}_all_inputs'], arrays[f'{k}_all_outputs'] = ins, outs
            arrays[f'{k}_all_lengths'] = lens
            counts.append(len(ins))
            for i, decoded in enumerate(c.from_tensors(outs)):
                arrays[f'{k}_decoded{i}'] = np.frombuffer(decoded.SerializeToString(), np.uint8)
            c = copy.deepcopy(base)
            c.set_mode('eval')
            ins, outs, lens = tensors(c, ns)
            arrays[f'{k}_eval_inputs'], arrays[f'{k}_eval_outputs'] = ins, outs
            arrays[f'{k}_eval_lengths'] = lens
            c = copy.deepcopy(base)
            c.set_mode('train')
            for d in range(3):
                np.random.seed(1000 * k + d)
                arrays[f'{k}_train{d}_outputs'] = tensors(c, ns)[1]
            rng = np.random.RandomState(k)
            if c.output_depth == 512:  # one-hot rows of random classes (stored as labels)
                labels = rng.randint(0, 512, size=(3, 32))
                arrays[f'{k}_random_labels'] = labels.astype(np.int16)
                samples = np.eye(512, dtype=np.float32)[labels]
            else:
                samples = rng.rand(3, 32, c.output_depth) < 0.15
            if c.output_depth != 512:
                arrays[f'{k}_random_samples'] = samples
            for i, decoded in enumerate(c.from_tensors(samples)):
                arrays[f'{k}_random_decoded{i}'] = np.frombuffer(decoded.SerializeToString(),
                                                                 np.uint8)
        np.savez_compressed(os.path.join(out_dir, f'{cfg}.npz'), **arrays)
        record['configs'][cfg] = {
            'input_depth': base.input_depth, 'output_depth': base.output_depth,
            'max_tensors_per_notesequence': base.max_tensors_per_notesequence,
            'windows_per_input': counts}
        print(cfg, counts)
    record['how'] = (
        'tools/oracle/record_drum_converter.py with the magenta oracle venv (magenta music_vae '
        'data.DrumsConverter from configs.CONFIG_MAP, note-seq 0.0.5, TF 2.15.1, Python 3.11); '
        'inputs: tests/fixtures/magenta/drums/cases/*.mid (tools/make_drum_midi.py) read with '
        'note_seq.midi_file_to_note_sequence, then the synthetic edge cases of edge_cases.npz '
        '(serialized NoteSequences). Keys per config npz: {k}_all_* (infer, no cap, set order), '
        '{k}_eval_* (eval, cap 5), {k}_train{d}_outputs (train draws, np.random.seed(1000k+d)), '
        '{k}_decoded{i} (from_tensors of all_outputs[i], serialized NoteSequence), '
        '{k}_random_labels (cat) or {k}_random_samples (nade) and {k}_random_decoded{i} '
        '(from_tensors of random tensors).')
    json.dump(record, open(os.path.join(out_dir, 'fixture.json'), 'w'), indent=1)


if __name__ == '__main__':
    main()
