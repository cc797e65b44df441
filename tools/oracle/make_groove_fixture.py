"""Record magenta's GrooveConverter (GrooVAE's data side) on drum performances.

    /work/magenta-oracle/bin/python tools/oracle/make_groove_fixture.py [OUT_DIR]
    (default tests/fixtures/magenta/groove)

Runs with the magenta oracle venv (magenta's own music_vae code; never imported by the project).
No Groove MIDI Dataset file is available here, so this script first writes a few drum
performances in its style (`cases/*.mid`, pretty_midi, fixed seeds: running it again rewrites
the same files): Roland TD-11 pitches only (every alias of ROLAND_DRUM_PITCH_CLASSES is used
somewhere), velocities with accents, ghost notes and noise, off-grid timing (a drummer's jitter,
swing, laid-back snares, pushed kicks, flams that put two notes of a class in one step, and
hits a little before a bar line). Edge cases the MIDI files cannot hold are NoteSequences built
here (`edge_cases.npz`, serialized).

For each of magenta's six GrooVAE configs (the config's own `data_converter`, from
`configs.CONFIG_MAP`) and each input k (the MIDI files in sorted order, then the edge cases),
in mode m = 'eval' (the training pitch classes, ROLAND) and 'infer' (the inference ones,
REDUCED), `<config>.npz` holds
- `{k}_{m}_inputs|outputs|controls` float32 [n, T, 27] / float32 [n, T, 27] / bool [n, T, c]
  and `{k}_{m}_lengths` int32 [n]: `to_tensors` (every window, in order; magenta's
  GrooveConverter never samples or caps windows);
for the note-dropout config, `np.random.seed(SEED0 + 10 * k + (m == 'infer'))` is called just
before each `to_tensors` (the seed is in fixture.json): magenta draws from numpy's global
RandomState, so a converter drawing from `np.random.RandomState(that seed)` must match exactly.
fixture.json holds, per config, input and mode, the window count, the exception magenta raised
(`error`, e.g. KeyError for a pitch in no class) and `decoded`: `from_tensors(outputs)` as note
lists [pitch, velocity, start_time, end_time, instrument, is_drum] per window (for
groovae_4bar and groovae_2bar_humanize only: every config's outputs are the same);
`random_decoded_{mode}` (top level) is `from_tensors` on random tensors (`random_samples` in
random.npz: hits in [0, 1], velocities in [-0.2, 1.2], offsets in [-1.5, 1.5], so rounding and
clipping are exercised).
`dropout_stats` records, for a converter with only `max_note_dropout_probability=0.8` (no
tapify), magenta's rate of kept hits over many draws of case 0 (for distribution tests).
"""
import copy
import json
import os
import random
import sys

import note_seq
import numpy as np
import pretty_midi
from magenta.models.music_vae import configs, data
from note_seq.protobuf import music_pb2

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = ['groovae_4bar', 'groovae_2bar_humanize', 'groovae_2bar_tap_fixed_velocity',
           'groovae_2bar_tap_fixed_velocity_note_dropout', 'groovae_2bar_add_closed_hh',
           'groovae_2bar_hits_control_tfds']
DECODED = ('groovae_4bar', 'groovae_2bar_humanize')
SEED0 = 4321
DROPOUT_DRAWS = 400

KICK, SNARE, SIDE, RIM = 36, 38, 37, 40
HH, HH_EDGE, PEDAL, OPEN, OPEN_EDGE = 42, 22, 44, 46, 26
FLOOR, FLOOR2, LOW, LOW2, HIGH, HIGH2 = 43, 58, 47, 45, 50, 48
CRASH, CRASH2, CRASH3, CRASH4, RIDE, BELL, RIDE_EDGE = 49, 52, 55, 57, 51, 53, 59


class Performance:
    """Hits in beats with a drummer's timing and dynamics; rendered at one tempo."""

    def __init__(self, seed, qpm, numerator=4):
        self.rng = random.Random(seed)
        self.qpm = qpm
        self.numerator = numerator
        self.hits = []  # (beat, pitch, velocity)

    def hit(self, beat, pitch, velocity, *, jitter=0.03, push=0.0):
        """`jitter`: gaussian sd in beats; `push`: systematic shift in beats (<0: early)."""
        velocity = max(1, min(127, int(round(velocity + self.rng.gauss(0, 5)))))
        beat = max(0.0, beat + push + self.rng.gauss(0, jitter))
        self.hits.append((beat, pitch, velocity))

    def write(self, path):
        pm = pretty_midi.PrettyMIDI(initial_tempo=self.qpm)
        pm.time_signature_changes.append(pretty_midi.TimeSignature(self.numerator, 4, 0.0))
        drums = pretty_midi.Instrument(program=0, is_drum=True, name='Drums')
        spb = 60.0 / self.qpm
        for beat, pitch, velocity in sorted(self.hits):
            start = beat * spb
            drums.notes.append(pretty_midi.Note(velocity=velocity, pitch=pitch, start=start,
                                                end=start + 0.08))
        pm.instruments.append(drums)
        pm.write(path)


def funk_97(out):
    """9 bars at 97 qpm: 16th hats (42/44 alternating, 46/26 opens), ghost snares (37, 40),
    laid-back backbeat, pushed kicks; the 4-bar config pads bar 9 to 12 bars."""
    p = Performance(1, 97)
    for bar in range(9):
        b = bar * 4
        for s in range(16):
            beat = b + s / 4
            pitch = HH if s % 2 == 0 else PEDAL
            if s == 14 and bar % 2:
                pitch = OPEN if bar % 4 == 1 else OPEN_EDGE
            p.hit(beat, pitch, 100 if s % 4 == 0 else (72 if s % 2 == 0 else 48),
                  push=0.04 if s % 2 else 0.0)
            if s in (4, 12):
                p.hit(beat, SNARE, 112, push=0.05)  # laid back
            elif s in (7, 9, 15) and p.rng.random() < 0.7:
                p.hit(beat, SIDE if s == 7 else RIM, 28 + p.rng.randint(0, 14))  # ghosts
            if s in (0, 3, 10) or (s == 6 and bar % 2 == 0):
                p.hit(beat, KICK, 104 if s == 0 else 88, push=-0.03)  # pushed
    p.write(out)


def rock_fill_120(out):
    """4 bars of 8th-note rock at 120 qpm with crashes (49/52/55/57), a tom fill over every
    tom alias (43, 58, 47, 45, 50, 48), flams (two snares in one 16th, different velocities)
    and hits a little before the bar line (quantized onto the next bar)."""
    p = Performance(2, 120)
    crashes = [CRASH, CRASH2, CRASH3, CRASH4]
    for bar in range(4):
        b = bar * 4
        p.hit(b, crashes[bar], 118, jitter=0.01)
        for e in range(8):
            beat = b + e / 2
            if bar < 3 or e < 4:
                p.hit(beat, HH, 90 if e % 2 == 0 else 64, jitter=0.02)
            if e in (0, 5):
                p.hit(beat, KICK, 110)
            if e in (2, 6) and (bar < 3 or e == 2):
                p.hit(beat, SNARE, 100, jitter=0.005)
                p.hit(beat - 0.05, SNARE, 60, jitter=0.005)  # grace note of a flam
    toms = [HIGH, HIGH2, LOW, LOW2, FLOOR, FLOOR2, FLOOR, FLOOR2]
    for i, pitch in enumerate(toms):
        p.hit(14 + i / 4, pitch, 86 + 4 * i, jitter=0.02)
    p.hit(15.9, CRASH, 124, jitter=0.0)   # 0.4 step early: quantizes to step 64 (a 5th bar)
    p.hit(15.92, KICK, 120, jitter=0.0)
    p.write(out)


def shuffle_jazz_140(out):
    """6 bars at 140 qpm, ride (51/53/59) in a triplet swing (a third of a step off the grid),
    feathered kick, brush-like snare comping at low velocity, hi-hat on 2 and 4 with the pedal
    and its edge pitch 22."""
    p = Performance(3, 140)
    for bar in range(6):
        b = bar * 4
        for beat in range(4):
            p.hit(b + beat, RIDE if beat != 2 else BELL, 84, jitter=0.015)
            p.hit(b + beat + 2 / 3, RIDE_EDGE if bar % 3 == 2 else RIDE, 60, jitter=0.015)
            p.hit(b + beat, KICK, 36, jitter=0.02)
            if beat % 2:
                p.hit(b + beat, PEDAL if bar % 2 else HH_EDGE, 70, jitter=0.01)
            if p.rng.random() < 0.4:
                p.hit(b + beat + 2 / 3, SNARE, 30 + p.rng.randint(0, 30))
    p.write(out)


def sparse_2bar_84(out):
    """Exactly 2 bars at 84 qpm with several classes on most steps (what tapify's argmax picks,
    ties between equal velocities included) and a loud open hi-hat."""
    p = Performance(4, 84)
    for s in range(32):
        beat = s / 4
        if s % 4 == 0:
            p.hit(beat, KICK, 96, jitter=0.01)
            p.hit(beat, CRASH if s == 0 else RIDE, 96, jitter=0.01)
        if s % 8 == 4:
            p.hit(beat, SNARE, 120, jitter=0.01)
            p.hit(beat, OPEN, 70, jitter=0.01)
        if s % 3 == 0:
            p.hit(beat, HH, 50 + s, jitter=0.02)
        if s in (30, 31):
            p.hit(beat, LOW, 100, jitter=0.0)
            p.hit(beat, HIGH, 101, jitter=0.0)
    p.write(out)


def waltz(out):
    """A waltz in 3/4: 12 steps a bar, so GrooveConverter gives nothing."""
    p = Performance(5, 120, numerator=3)
    for bar in range(4):
        for beat in range(3):
            p.hit(bar * 3 + beat, KICK if beat == 0 else HH, 90)
    p.write(out)


def late_start(out):
    """Drums from bar 3 (step 37) of a 5-bar file: the first windows are silent."""
    p = Performance(6, 110)
    for s in range(37, 80):
        p.hit(s / 4, HH, 70 + (s % 4) * 8, jitter=0.02)
        if s % 8 == 0:
            p.hit(s / 4, KICK, 100)
        if s % 8 == 4:
            p.hit(s / 4, SNARE, 105)
    p.write(out)


MIDI_MAKERS = [('0_funk_97.mid', funk_97), ('1_rock_fill_120.mid', rock_fill_120),
               ('2_shuffle_jazz_140.mid', shuffle_jazz_140),
               ('3_sparse_2bar_84.mid', sparse_2bar_84), ('4_waltz_3_4.mid', waltz),
               ('5_late_start_110.mid', late_start)]


def edge_cases():
    """NoteSequences for rules the MIDI files do not reach: (name, sequence)."""
    def seq(qpm=120.0, ts=((0.0, 4, 4),)):
        s = music_pb2.NoteSequence()
        s.ticks_per_quarter = 220
        s.tempos.add(time=0.0, qpm=qpm)
        for time, num, den in ts:
            s.time_signatures.add(time=time, numerator=num, denominator=den)
        return s

    def add(s, step, pitch, velocity=100, drum=True, qpm=120.0, shift=0.0):
        t = (step + shift) * 60.0 / qpm / 4
        s.notes.add(pitch=pitch, velocity=velocity, start_time=t, end_time=max(t, 0) + 0.05,
                    is_drum=drum, instrument=9 if drum else 0)
        s.total_time = max(s.total_time, t + 0.05)

    cases = []
    s = seq()  # empty
    cases.append(('empty', s))
    # velocity-0 hits (a hit of velocity 0), a non-drum note at a drum pitch (counted as a
    # drum), equal velocities in one class and step (the first wins: offsets differ), notes
    # listed out of time order
    s = seq(qpm=90.0)
    for bar in range(3):
        add(s, bar * 16 + 8, 42, qpm=90.0, shift=0.1)
        add(s, bar * 16 + 8, 44, qpm=90.0, shift=-0.2)
        add(s, bar * 16 + 4, 38, velocity=0, qpm=90.0)
        add(s, bar * 16 + 2, 38, drum=False, qpm=90.0, shift=0.3)
        add(s, bar * 16, 36, velocity=127, qpm=90.0, shift=0.45)
    cases.append(('zero_velocity_non_drum_ties', s))
    # pitch 35 (kick 2): in REDUCED only: magenta raises KeyError when not inferring
    s = seq()
    for step in range(0, 32, 4):
        add(s, step, 35 if step % 8 == 0 else 38)
    cases.append(('pitch_35_reduced_only', s))
    # pitch 90 in no class: KeyError in every mode
    s = seq()
    for step in range(0, 32, 4):
        add(s, step, 36 if step != 12 else 90)
    cases.append(('unmapped_pitch_90', s))
    # 6/8: 12 steps a bar at 4 steps a quarter: nothing
    s = seq(ts=((0.0, 6, 8),))
    for step in range(0, 48, 2):
        add(s, step, 42)
    cases.append(('six_eight', s))
    # a tempo change: quantizing the whole sequence fails (MultipleTempoError): nothing
    s = seq()
    s.tempos.add(time=4.0, qpm=150.0)
    for step in range(0, 64, 2):
        add(s, step, 36 if step % 8 == 0 else 42)
    cases.append(('tempo_change', s))
    # a note before time 0 (NegativeTimeError): nothing
    s = seq()
    add(s, 0, 36, shift=-0.3)
    add(s, 4, 38)
    cases.append(('negative_time', s))
    # one bar, then a hit 0.3 steps before bar 2's downbeat (step 16: total 2 bars) and the
    # same hit 0.6 steps early (step 15); a crash on 59's aliases across classes 7/8
    s = seq(qpm=133.0)
    for step in range(0, 16, 2):
        add(s, step, 51 if step % 4 else 59, qpm=133.0, shift=0.2)
    add(s, 16, 49, qpm=133.0, shift=-0.3)
    add(s, 16, 57, qpm=133.0, shift=-0.6)
    cases.append(('bar_line_rounding', s))
    return cases


def notes_of(ns):
    return [[n.pitch, n.velocity, n.start_time, n.end_time, n.instrument, bool(n.is_drum)]
            for n in ns.notes]


def run_to_tensors(c, ns):
    t = c.to_tensors(ns)
    n = len(t.inputs)
    T = t.lengths[0] if n else 0
    ins = np.array(t.inputs, np.float32).reshape(n, T, c.input_depth)
    outs = np.array(t.outputs, np.float32).reshape(n, T, c.output_depth)
    ctl = np.array(t.controls, bool).reshape(n, T, c.control_depth)
    return ins, outs, ctl, np.array(t.lengths, np.int32), t


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        REPO, 'tests', 'fixtures', 'magenta', 'groove')
    cases_dir = os.path.join(out_dir, 'cases')
    os.makedirs(cases_dir, exist_ok=True)
    for name, make in MIDI_MAKERS:
        make(os.path.join(cases_dir, name))
    inputs = [(name, note_seq.midi_file_to_note_sequence(os.path.join(cases_dir, name)))
              for name, _ in MIDI_MAKERS]
    edges = edge_cases()
    np.savez_compressed(os.path.join(out_dir, 'edge_cases.npz'), **{
        name: np.frombuffer(s.SerializeToString(), np.uint8) for name, s in edges})
    inputs += edges

    rs = np.random.RandomState(7)
    random_samples = np.concatenate([
        rs.uniform(0, 1, (3, 32, 9)), rs.uniform(-0.2, 1.2, (3, 32, 9)),
        rs.uniform(-1.5, 1.5, (3, 32, 9))], axis=-1)
    np.savez_compressed(os.path.join(out_dir, 'random.npz'), random_samples=random_samples)

    record = {
        'made_by': 'tools/oracle/make_groove_fixture.py (magenta music_vae at GitHub head, '
                   'note-seq 0.0.5, the magenta oracle venv)',
        'midi': 'synthetic drum performances written by this script (no Groove MIDI Dataset '
                'file is available here); see its docstring',
        'inputs': [name for name, _ in inputs],
        'modes': ['eval', 'infer'],
        'dropout_seed': f'np.random.seed({SEED0} + 10 * k + (mode == "infer")) before to_tensors',
        'configs': {},
    }
    for cfg in CONFIGS:
        base = configs.CONFIG_MAP[cfg].data_converter
        arrays = {}
        rec = {'settings': {key: (list(map(list, v)) if key.endswith('pitch_classes') else v)
                            for key, v in vars(base).items()
                            if key.startswith('_') and not key.endswith('_map')
                            and isinstance(v, (int, float, bool, list, type(None)))},
               'input_depth': base.input_depth, 'output_depth': base.output_depth,
               'control_depth': base.control_depth, 'cases': {}}
        for k, (name, ns) in enumerate(inputs):
            for mode in ('eval', 'infer'):
                c = copy.deepcopy(base)
                c.set_mode(mode)
                entry = {}
                np.random.seed(SEED0 + 10 * k + (mode == 'infer'))
                try:
                    ins, outs, ctl, lens, _ = run_to_tensors(c, ns)
                except Exception as e:  # noqa: BLE001 - recorded: magenta's behaviour
                    entry['error'] = type(e).__name__
                    rec['cases'][f'{k}_{mode}'] = entry
                    continue
                arrays[f'{k}_{mode}_inputs'] = ins
                arrays[f'{k}_{mode}_outputs'] = outs
                arrays[f'{k}_{mode}_controls'] = ctl
                arrays[f'{k}_{mode}_lengths'] = lens
                entry['windows'] = int(len(ins))
                if cfg in DECODED:  # the outputs, so their decodes, are the same in every config
                    entry['decoded'] = [notes_of(d) for d in c.from_tensors(outs)]
                rec['cases'][f'{k}_{mode}'] = entry
            if k == 0 and cfg == CONFIGS[1]:  # from_tensors reads no setting the configs vary
                for mode in ('eval', 'infer'):
                    c = copy.deepcopy(base)
                    c.set_mode(mode)
                    record[f'random_decoded_{mode}'] = [notes_of(d)
                                                       for d in c.from_tensors(random_samples)]
        np.savez_compressed(os.path.join(out_dir, f'{cfg}.npz'), **arrays)
        record['configs'][cfg] = rec
        print(cfg, {key: v.get('windows', v.get('error')) for key, v in rec['cases'].items()})

    # note dropout alone (no tapify), many draws: the distribution of kept hits
    c = data.GrooveConverter(split_bars=2, max_note_dropout_probability=0.8,
                             pitch_classes=data.ROLAND_DRUM_PITCH_CLASSES)
    np.random.seed(SEED0)
    kept, total, kept_cells = 0.0, 0.0, None
    for _ in range(DROPOUT_DRAWS):
        t = c.to_tensors(inputs[0][1])
        ins, outs = np.array(t.inputs), np.array(t.outputs)
        kept += ins[..., :9].sum()
        total += outs[..., :9].sum()
        cells = ins[..., :9]
        kept_cells = cells if kept_cells is None else kept_cells + cells
    record['dropout_stats'] = {
        'converter': 'GrooveConverter(split_bars=2, max_note_dropout_probability=0.8)',
        'input': inputs[0][0], 'draws': DROPOUT_DRAWS, 'seed': SEED0,
        'kept_hit_rate': kept / total}
    np.savez_compressed(os.path.join(out_dir, 'dropout_stats.npz'),
                        kept_counts=kept_cells.astype(np.int32))
    with open(os.path.join(out_dir, 'fixture.json'), 'w') as f:
        json.dump(record, f, separators=(',', ':'))
    print('dropout kept rate', kept / total)


if __name__ == '__main__':
    main()
