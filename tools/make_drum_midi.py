"""Write the drum fixture MIDI files: small multi-track pieces with real GM drum parts.

    .venv/bin/python tools/make_drum_midi.py [OUT_DIR]   (default tests/fixtures/magenta/drums/cases)

Each file has a drum part on MIDI channel 10 (pretty_midi `is_drum=True`, GM kit chosen
by program) and melody/bass tracks, 4 to 16 bars. Deterministic (fixed seeds), so running
it again rewrites the same files. What each file exercises:

- 0_rock: 8 bars rock beat, crash on 1, tom fills at bars 4 and 8, small timing jitter.
- 1_funk_ghost: 16th-note hats, ghost snares (velocity 20-40), open hat, pedal hat, syncopated kick.
- 2_shuffle: triplet shuffle on the ride (quantizes onto the 16th grid), rimshot, alternate kick 35.
- 3_bossa_2_2: bossa nova in 2/2 (16 steps a bar too), side stick, shaker, brush kit.
- 4_tempo_change: 6 bars at 100 qpm then 6 at 132 qpm (two pieces); cowbell, tambourine, china,
  splash, ride cymbal 2.
- 5_waltz_3_4: a waltz in 3/4 (12-step bars: no drum windows in magenta).
- 6_gaps: a 16-bar drum part with long gaps (3 bars, exactly one bar, a bit under one bar) and a
  lone hit, so the drum track splits into several tracks.
- 7_two_kits_latin: a kit and a separate percussion track (two drum instruments merged by the
  extractor), congas, timbales, claves, pitches 22 and 26 (only in the reduced map), and
  pitches outside every map (dropped).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pretty_midi

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "tests" / "fixtures" / "magenta" / "drums" / "cases"

KICK, KICK2, SNARE, RIM, SIDE, CLAP = 36, 35, 38, 40, 37, 39
HH, PEDAL, OPEN = 42, 44, 46
LOW_TOM, MID_TOM, HI_TOM, FLOOR = 45, 47, 50, 43
CRASH, CRASH2, RIDE, BELL, RIDE2, CHINA, SPLASH = 49, 57, 51, 53, 59, 52, 55
COWBELL, TAMB, SHAKER, CABASA, CLAVES = 56, 54, 70, 69, 75
HI_CONGA, LO_CONGA, MUTE_CONGA, HI_TIMB, LO_TIMB = 62, 64, 63, 65, 66


class Piece:
    """Notes in beats (quarter notes) for one file; rendered at the end with its tempo map."""

    def __init__(self, seed: int, beats_per_bar: int = 4):
        self.rng = random.Random(seed)
        self.beats_per_bar = beats_per_bar
        self.tracks: dict[str, tuple[int, bool, list]] = {}

    def track(self, name: str, program: int, is_drum: bool) -> list:
        return self.tracks.setdefault(name, (program, is_drum, []))[2]

    def hit(self, name, beat, pitch, velocity, *, jitter=0.0, length=0.1, program=0):
        notes = self.track(name, program, True)
        velocity = max(1, min(127, int(velocity + self.rng.randint(-6, 6))))
        notes.append((beat + self.rng.uniform(-jitter, jitter), pitch, velocity, length))

    def note(self, name, program, beat, pitch, beats, velocity=80):
        self.track(name, program, False).append((beat, pitch, velocity, beats))

    def write(self, path: Path, tempos: list[tuple[float, float]],
              time_signature=(4, 4)) -> None:
        """`tempos`: (beat, qpm) changes, the first at beat 0."""

        def seconds(beat: float) -> float:
            t, last_beat, qpm = 0.0, 0.0, tempos[0][1]
            for change_beat, change_qpm in tempos[1:]:
                if beat < change_beat:
                    break
                t += (change_beat - last_beat) * 60.0 / qpm
                last_beat, qpm = change_beat, change_qpm
            return t + (beat - last_beat) * 60.0 / qpm

        midi = pretty_midi.PrettyMIDI(initial_tempo=tempos[0][1])
        if len(tempos) > 1:  # pretty_midi has no public tempo-change API: write its tick scales
            scales = []
            for beat, qpm in tempos:
                tick = int(round(beat * midi.resolution))
                scales.append((tick, 60.0 / (qpm * midi.resolution)))
            midi._tick_scales = scales
            midi._update_tick_to_time(int(round(200 * midi.resolution)))
        midi.time_signature_changes.append(pretty_midi.TimeSignature(*time_signature, 0.0))
        for name, (program, is_drum, notes) in self.tracks.items():
            inst = pretty_midi.Instrument(program=program, is_drum=is_drum, name=name)
            for beat, pitch, velocity, length in sorted(notes):
                start = max(0.0, seconds(beat))
                inst.notes.append(pretty_midi.Note(velocity=velocity, pitch=pitch, start=start,
                                                   end=seconds(beat + length)))
            midi.instruments.append(inst)
        path.parent.mkdir(parents=True, exist_ok=True)
        midi.write(str(path))


def bass_and_melody(p: Piece, bars: int, roots=(40, 45, 43, 38), *, bass_program=33,
                    melody_program=0, scale=(0, 2, 4, 5, 7, 9, 11, 12)):
    bpb = p.beats_per_bar
    for bar in range(bars):
        root = roots[bar % len(roots)]
        for beat in range(0, bpb, 2 if bpb % 2 == 0 else 1):
            p.note("bass", bass_program, bar * bpb + beat, root + (7 if beat == 2 else 0), 0.9, 90)
        for eighth in range(bpb * 2):
            if p.rng.random() < 0.6:
                pitch = root + 24 + p.rng.choice(scale)
                p.note("melody", melody_program, bar * bpb + eighth / 2, pitch, 0.45,
                       p.rng.randint(60, 100))


def tom_fill(p: Piece, bar: int, jitter=0.0):
    start = bar * 4 + 2
    for i, pitch in enumerate([HI_TOM, HI_TOM, MID_TOM, MID_TOM, LOW_TOM, LOW_TOM, FLOOR, FLOOR]):
        p.hit("drums", start + i * 0.25, pitch, 90 + 3 * i, jitter=jitter)


def rock(out: Path):
    p = Piece(seed=1)
    for bar in range(8):
        b = bar * 4
        fill = bar in (3, 7)
        if bar in (0, 4):
            p.hit("drums", b, CRASH, 110)
        for eighth in range(8 if not fill else 4):
            if not (eighth == 0 and bar in (0, 4)):
                p.hit("drums", b + eighth / 2, HH, 95 if eighth % 2 == 0 else 70, jitter=0.03)
        for beat in (0, 2.5) if not fill else (0,):
            p.hit("drums", b + beat, KICK, 105, jitter=0.02)
        for beat in (1, 3) if not fill else (1,):
            p.hit("drums", b + beat, SNARE, 110, jitter=0.02)
        if fill:
            tom_fill(p, bar, jitter=0.02)
    p.hit("drums", 32, CRASH, 120)
    p.hit("drums", 32, KICK, 120)
    bass_and_melody(p, 8, melody_program=25)
    p.write(out / "0_rock.mid", [(0, 110.0)])


def funk(out: Path):
    p = Piece(seed=2)
    kick = [0, 0.75, 2.5, 3.25]
    for bar in range(8):
        b = bar * 4
        for six in range(16):
            beat = six / 4
            if six == 14 and bar % 2 == 1:
                p.hit("drums", b + beat, OPEN, 100)
            else:
                p.hit("drums", b + beat, HH, 85 if six % 4 == 0 else p.rng.randint(40, 70))
        for beat in kick:
            p.hit("drums", b + beat, KICK, 110)
        for beat in (1, 3):
            p.hit("drums", b + beat, SNARE, 115)
        for six in (2, 6, 7, 9, 11, 13, 15):
            if p.rng.random() < 0.35:
                p.hit("drums", b + six / 4, SNARE, p.rng.randint(20, 40))  # ghost notes
        if bar % 4 == 3:
            p.hit("drums", b + 3.5, PEDAL, 60)
    bass_and_melody(p, 8, roots=(40, 40, 43, 45), bass_program=34, melody_program=7)
    p.write(out / "1_funk_ghost.mid", [(0, 96.0)])


def shuffle(out: Path):
    p = Piece(seed=3)
    for bar in range(6):
        b = bar * 4
        for beat in range(4):
            p.hit("drums", b + beat, RIDE, 90)
            p.hit("drums", b + beat + 2 / 3, RIDE if beat % 2 else BELL, 60)  # shuffle
        p.hit("drums", b, KICK2, 100)
        p.hit("drums", b + 2 + 2 / 3, KICK2, 80)
        if p.rng.random() < 0.5:
            p.hit("drums", b + 3 + 2 / 3, KICK2, 70)
        if bar == 3:
            for i, pitch in enumerate((HI_TOM, MID_TOM, LOW_TOM)):
                p.hit("drums", b + 3 + i / 3, pitch, 100)
        p.hit("drums", b + 1, RIM if bar != 5 else CLAP, 105)
        p.hit("drums", b + 3, SNARE, 110)
        p.hit("drums", b + 1, PEDAL, 50)
        p.hit("drums", b + 3, PEDAL, 50)
    bass_and_melody(p, 6, roots=(43, 48, 43, 50), bass_program=32, melody_program=65)
    p.write(out / "2_shuffle.mid", [(0, 126.0)])


def bossa(out: Path):
    p = Piece(seed=4, beats_per_bar=4)
    side = [0, 0.75, 1.5, 2.5, 3.25]  # 2-bar clave-like side stick pattern (first bar)
    side2 = [0.5, 1.5, 2.25, 3.0]
    for bar in range(8):
        b = bar * 4
        for beat in (side if bar % 2 == 0 else side2):
            p.hit("drums", b + beat, SIDE, 85, program=40)
        for beat in (0, 1.5, 2, 3.5):
            p.hit("drums", b + beat, KICK, 90 if beat in (0, 2) else 70, program=40)
        for six in range(8):
            if p.rng.random() < 0.8:
                p.hit("drums", b + six / 2, SHAKER if bar < 4 else CABASA,
                      p.rng.randint(35, 75), program=40)
        if bar == 5:
            p.hit("drums", b, CRASH, 90, program=40)
        for beat in (1, 3):
            p.hit("drums", b + beat, PEDAL, 55, program=40)
    bass_and_melody(p, 8, roots=(45, 50, 43, 48), bass_program=32, melody_program=24)
    p.write(out / "3_bossa_2_2.mid", [(0, 140.0)], time_signature=(2, 2))


def tempo_change(out: Path):
    p = Piece(seed=5)
    for bar in range(12):
        b = bar * 4
        second = bar >= 6
        if bar in (0, 6):
            p.hit("drums", b, SPLASH if bar == 0 else CHINA, 110, program=16)
        for eighth in range(8):
            p.hit("drums", b + eighth / 2, RIDE2 if second else HH, 80, program=16)
        for beat in (0, 1.5, 2):
            p.hit("drums", b + beat, KICK, 110, program=16)
        for beat in (1, 3):
            p.hit("drums", b + beat, SNARE, 112, program=16)
        for beat in range(4):
            p.hit("drums", b + beat, COWBELL if second else TAMB, 70, program=16)
        if bar == 11:
            p.hit("drums", b + 3.5, CRASH2, 120, program=16)
    bass_and_melody(p, 12, roots=(38, 41, 45, 43), bass_program=38, melody_program=81)
    p.write(out / "4_tempo_change.mid", [(0, 100.0), (24, 132.0)])


def waltz(out: Path):
    p = Piece(seed=6, beats_per_bar=3)
    for bar in range(8):
        b = bar * 3
        p.hit("drums", b, KICK, 100)
        p.hit("drums", b + 1, SNARE, 70)
        p.hit("drums", b + 2, SNARE, 70)
        for beat in range(3):
            p.hit("drums", b + beat, HH, 60)
    bass_and_melody(p, 8, roots=(43, 38), bass_program=32, melody_program=40)
    p.write(out / "5_waltz_3_4.mid", [(0, 150.0)], time_signature=(3, 4))


def gaps(out: Path):
    p = Piece(seed=7)

    def groove(bar, hats=HH):
        b = bar * 4
        for eighth in range(8):
            p.hit("drums", b + eighth / 2, hats, 80, program=25)
        p.hit("drums", b, KICK, 110, program=25)
        p.hit("drums", b + 2, KICK, 100, program=25)
        p.hit("drums", b + 1, CLAP, 100, program=25)
        p.hit("drums", b + 3, CLAP, 100, program=25)

    for bar in (0, 1, 2):
        groove(bar)
    # bars 3-5 silent (3-bar gap) -> a new drum track starts at bar 6
    for bar in (6, 7):
        groove(bar)
    # bar 8: only the first beat; then exactly one bar of silence after it
    p.hit("drums", 32, KICK, 110, program=25)
    p.hit("drums", 32 + 4.25, SNARE, 100, program=25)  # 16 steps after the step after the kick
    groove(10, hats=OPEN)
    # last hit of bar 10 is at beat 43.5; next hit 15 steps later: under a bar, same track
    p.hit("drums", 43.5 + 4.0, CRASH, 120, program=25)
    # a lone hit far away: its own one-bar track
    p.hit("drums", 15 * 4 + 1, CRASH2, 127, program=25)
    bass_and_melody(p, 16, melody_program=4)
    p.write(out / "6_gaps.mid", [(0, 120.0)])


def latin(out: Path):
    p = Piece(seed=8)
    for bar in range(6):
        b = bar * 4
        for beat in (0, 1.5, 2, 3.5):
            p.hit("kit", b + beat, KICK, 95, program=8)
        for eighth in range(8):
            p.hit("kit", b + eighth / 2, 22 if eighth % 4 == 3 else HH, 70, program=8)
        p.hit("kit", b + 3.75, 26, 80, program=8)  # only in the reduced map
        p.hit("kit", b + 1, SNARE if bar % 3 else RIM, 100, program=8)
        for beat in (0, 0.75, 1.5, 2.5, 3):  # son clave
            p.hit("percussion", b + beat, CLAVES, 90)
        for six, pitch in [(0, HI_CONGA), (2, MUTE_CONGA), (3, LO_CONGA), (6, HI_CONGA),
                           (10, HI_TIMB), (11, LO_TIMB), (14, LO_CONGA)]:
            if six in (0, 3) or p.rng.random() < 0.7:
                p.hit("percussion", b + six / 4, pitch, p.rng.randint(60, 100))
        if bar == 2:
            for pitch in (21, 88, 90, 127):  # outside every drum map
                p.hit("percussion", b + 2.25, pitch, 90)
        if bar == 4:
            for pitch in (27, 31, 33, 85, 87):  # GM extras (full map) and their reduced classes
                p.hit("percussion", b + 0.25 * (pitch % 7), pitch, 80)
    bass_and_melody(p, 6, roots=(41, 48, 43, 48), bass_program=35, melody_program=56)
    p.write(out / "7_two_kits_latin.mid", [(0, 104.0)])


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    for make in (rock, funk, shuffle, bossa, tempo_change, waltz, gaps, latin):
        make(out)
    print(f"wrote {len(list(out.glob('*.mid')))} MIDI files to {out}")


if __name__ == "__main__":
    main(sys.argv)
