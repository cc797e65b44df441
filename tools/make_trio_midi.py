"""Write the multi-track MIDI pieces the trio and chord parity fixtures are made from.

    .venv/bin/python tools/make_trio_midi.py OUT_DIR

Each piece is 4/4 at 4 steps per quarter when converted, 16 to 34 bars long, with a
melody, a bass (program 33) and a GM drum kit playing varied patterns (kick, snare,
closed and open hi-hat, ride, crash at phrase starts, tom fills). The pieces differ in
what a trio converter has to handle:

- `pop_verse.mid`: the plain case, 24 bars (melody piano, bass, drums);
- `two_melodies.mid`: a second melody-class track (guitar) and an extra string pad
  (program 48, neither melody nor bass): the converter pairs every melody with the bass;
- `no_bass.mid`: melody and drums only: no trio window;
- `melody_gap.mid`: 32 bars, the melody rests for 6 bars in the middle;
- `short_drums.mid`: 20 bars, drums only in the first 12: no 16-bar window;
- `tempo_change.mid`: 34 bars, tempo change after bar 17 (two pieces);
- `flute_lead.mid`: the lead is a flute (program 73, outside 0-31): no melody part;
- `chord_chart.mid`: 16 bars, block chords in the piano under the melody; its chord
  symbols go to `chords.json` (note-seq's MIDI reader drops text events, so the symbols
  travel beside the file and are added as CHORD_SYMBOL annotations by whoever reads it).

A fixed seed makes the files identical on every run.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pretty_midi

KICK, SNARE, CLOSED_HAT, OPEN_HAT, RIDE, CRASH = 36, 38, 42, 46, 51, 49
LOW_TOM, MID_TOM, HIGH_TOM, SIDE_STICK, PEDAL_HAT = 45, 47, 50, 37, 44

# (root pitch class, quality) per bar; the progressions the pieces cycle through.
PROGRESSIONS = {
    "pop": [(0, ""), (7, ""), (9, "m"), (5, "")],            # C G Am F
    "minor": [(9, "m"), (5, ""), (0, ""), (7, "")],          # Am F C G
    "blues": [(0, ""), (5, ""), (0, ""), (7, ""), (5, ""), (0, "")],
    "jazz": [(2, "m"), (7, ""), (0, ""), (9, "m")],          # Dm G C Am
}
NAMES = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]
MAJOR_SCALE = [0, 2, 4, 5, 7, 9, 11]


def chord_tones(root: int, quality: str) -> list[int]:
    return [root, root + (3 if quality == "m" else 4), root + 7]


class Piece:
    def __init__(self, name: str, qpm: float, seed: int):
        self.name = name
        self.midi = pretty_midi.PrettyMIDI(initial_tempo=qpm)
        self.qpm = qpm
        self.rng = random.Random(seed)
        self.chords: list[tuple[float, str]] = []

    def beat(self, bar: float, beat: float = 0.0) -> float:
        """Seconds at `bar` (0-based) + `beat` quarters, at the initial tempo."""
        return (bar * 4 + beat) * 60.0 / self.qpm

    def track(self, name: str, program: int, is_drum: bool = False) -> pretty_midi.Instrument:
        instrument = pretty_midi.Instrument(program=program, is_drum=is_drum, name=name)
        self.midi.instruments.append(instrument)
        return instrument

    def write(self, folder: Path) -> Path:
        path = folder / f"{self.name}.mid"
        self.midi.write(str(path))
        return path


def add(track, pitch, start, end, velocity=90):
    track.notes.append(pretty_midi.Note(velocity=velocity, pitch=pitch, start=start, end=end))


def melody(piece: Piece, track, bars, progression, *, low=67, rest_bars=(), density=0.7,
           time=None):
    """A singable line over the chords: chord tones on strong beats, scale steps between."""
    time = time or piece.beat
    rng = piece.rng
    pitch = low + 4
    for bar in bars:
        if bar in rest_bars:
            continue
        root, quality = progression[bar % len(progression)]
        tones = [low - 12 + 12 * octave + t for octave in (0, 1, 2)
                 for t in chord_tones(root, quality)]
        step = 0
        while step < 16:
            length = rng.choice([2, 2, 4, 4, 1, 6, 8] if step % 4 == 0 else [1, 2, 2, 3])
            length = min(length, 16 - step)
            if rng.random() < density or step == 0:
                if step % 4 == 0:
                    pitch = min(tones, key=lambda t: abs(t - pitch) + rng.random() * 3)
                else:
                    scale = [low - 12 + 12 * o + s for o in (0, 1, 2) for s in MAJOR_SCALE]
                    pitch = min(scale, key=lambda t: abs(t - (pitch + rng.choice([-2, -1, 1, 2]))))
                pitch = max(low - 5, min(low + 14, pitch))
                gate = 0.9 if rng.random() < 0.8 else 0.5
                add(track, pitch, time(bar, step / 4), time(bar, (step + length * gate) / 4),
                    velocity=rng.randint(70, 110))
            step += length


def bass(piece: Piece, track, bars, progression, *, style="eighths", time=None, low_pitch=None):
    time = time or piece.beat
    rng = piece.rng
    for bar in bars:
        root, quality = progression[bar % len(progression)]
        base = 36 + root if root < 5 else 24 + root  # E1..D#2 region, all >= 28
        fifth = base + 7
        if style == "eighths":
            for eighth in range(8):
                pitch = fifth if eighth in (3, 7) and rng.random() < 0.5 else base
                add(track, pitch, time(bar, eighth / 2), time(bar, eighth / 2 + 0.4),
                    velocity=rng.randint(80, 100))
        elif style == "walking":
            third = base + (3 if quality == "m" else 4)
            for quarter, pitch in enumerate([base, third, fifth, rng.choice([fifth + 2, base + 12])]):
                add(track, pitch, time(bar, quarter), time(bar, quarter + 0.9))
        else:  # half notes with a pickup
            add(track, base, time(bar, 0), time(bar, 1.9))
            add(track, fifth, time(bar, 2), time(bar, 3.4))
            add(track, base + 12, time(bar, 3.5), time(bar, 3.95))
    if low_pitch is not None:  # a note below the piano range (21..108), dropped by converters
        add(track, low_pitch, time(bars[0], 0), time(bars[0], 0.5))


def drums(piece: Piece, track, bars, *, style="rock", fill_every=4, time=None):
    time = time or piece.beat
    rng = piece.rng
    for bar in bars:
        fill = fill_every and bar % fill_every == fill_every - 1
        if bar % 8 == 0:
            add(track, CRASH, time(bar), time(bar, 0.25), 110)
        for sixteenth in range(16):
            beat = sixteenth / 4
            if fill and sixteenth >= 12:
                add(track, [HIGH_TOM, MID_TOM, LOW_TOM, LOW_TOM][sixteenth - 12], time(bar, beat),
                    time(bar, beat + 0.25), 100)
                continue
            if style == "rock":
                if sixteenth in (0, 8) or (sixteenth == 10 and rng.random() < 0.5):
                    add(track, KICK, time(bar, beat), time(bar, beat + 0.25), 100)
                if sixteenth in (4, 12):
                    add(track, SNARE, time(bar, beat), time(bar, beat + 0.25), 105)
                if sixteenth % 2 == 0:
                    hat = OPEN_HAT if sixteenth == 14 and rng.random() < 0.3 else CLOSED_HAT
                    add(track, hat, time(bar, beat), time(bar, beat + 0.2), rng.randint(60, 90))
            elif style == "funk":
                if sixteenth in (0, 3, 10) or (sixteenth == 7 and rng.random() < 0.5):
                    add(track, KICK, time(bar, beat), time(bar, beat + 0.25), 100)
                if sixteenth in (4, 12):
                    add(track, SNARE, time(bar, beat), time(bar, beat + 0.25), 110)
                elif sixteenth in (6, 9) and rng.random() < 0.4:
                    add(track, SNARE, time(bar, beat), time(bar, beat + 0.25), 50)  # ghost
                add(track, CLOSED_HAT, time(bar, beat), time(bar, beat + 0.1), rng.randint(50, 80))
            else:  # swing on the ride
                if sixteenth in (0, 4, 8, 12) or sixteenth in (7, 15):
                    add(track, RIDE, time(bar, beat), time(bar, beat + 0.25), rng.randint(70, 95))
                if sixteenth in (4, 12):
                    add(track, PEDAL_HAT, time(bar, beat), time(bar, beat + 0.25), 70)
                if sixteenth == 0 and rng.random() < 0.6:
                    add(track, KICK, time(bar, beat), time(bar, beat + 0.25), 80)
                if sixteenth == 11 and rng.random() < 0.5:
                    add(track, SIDE_STICK, time(bar, beat), time(bar, beat + 0.25), 75)


def chord_pad(piece: Piece, track, bars, progression, *, record=False):
    for bar in bars:
        root, quality = progression[bar % len(progression)]
        for tone in chord_tones(root, quality):
            add(track, 48 + tone, piece.beat(bar), piece.beat(bar, 3.9), 60)
        if record:
            piece.chords.append((piece.beat(bar), NAMES[root] + quality))


def make_pieces() -> list[Piece]:
    pieces = []

    p = Piece("pop_verse", 120, 1)
    bars = range(24)
    melody(p, p.track("lead", 0), bars, PROGRESSIONS["pop"])
    bass(p, p.track("bass", 33), bars, PROGRESSIONS["pop"], low_pitch=20)
    drums(p, p.track("drums", 0, True), bars)
    pieces.append(p)

    p = Piece("two_melodies", 100, 2)
    bars = range(20)
    melody(p, p.track("piano", 0), bars, PROGRESSIONS["minor"])
    melody(p, p.track("guitar", 25), range(2, 20), PROGRESSIONS["minor"], low=60, density=0.5)
    bass(p, p.track("bass", 33), bars, PROGRESSIONS["minor"], style="halves")
    chord_pad(p, p.track("strings", 48), bars, PROGRESSIONS["minor"])
    drums(p, p.track("drums", 0, True), bars, style="funk")
    pieces.append(p)

    p = Piece("no_bass", 110, 3)
    bars = range(18)
    melody(p, p.track("lead", 0), bars, PROGRESSIONS["pop"])
    drums(p, p.track("drums", 0, True), bars)
    pieces.append(p)

    p = Piece("melody_gap", 126, 4)
    bars = range(32)
    melody(p, p.track("organ", 19), bars, PROGRESSIONS["blues"], rest_bars=range(12, 18))
    bass(p, p.track("bass", 33), bars, PROGRESSIONS["blues"], style="walking")
    drums(p, p.track("drums", 0, True), bars, style="swing")
    pieces.append(p)

    p = Piece("short_drums", 96, 5)
    bars = range(20)
    melody(p, p.track("lead", 0), bars, PROGRESSIONS["jazz"])
    bass(p, p.track("bass", 33), bars, PROGRESSIONS["jazz"], style="walking")
    drums(p, p.track("drums", 0, True), range(12), style="swing")
    pieces.append(p)

    # Tempo change after bar 17: 17 bars at 120 qpm, then 17 bars at 90 qpm.
    p = Piece("tempo_change", 120, 6)
    change = p.beat(17)
    p.midi._tick_scales = []  # rebuilt below with the change
    resolution = p.midi.resolution
    change_tick = 17 * 4 * resolution
    p.midi._tick_scales = [(0, 60.0 / (120 * resolution)), (change_tick, 60.0 / (90 * resolution))]
    p.midi._update_tick_to_time(change_tick * 3)

    def time(bar, beat=0.0):
        quarters = bar * 4 + beat
        if quarters <= 68:
            return quarters * 0.5
        return change + (quarters - 68) * 60.0 / 90

    bars = range(34)
    melody(p, p.track("lead", 1), bars, PROGRESSIONS["pop"], time=time)
    bass(p, p.track("bass", 34), bars, PROGRESSIONS["pop"], time=time)
    drums(p, p.track("drums", 0, True), bars, style="funk", time=time)
    pieces.append(p)

    p = Piece("flute_lead", 120, 7)
    bars = range(16)
    melody(p, p.track("flute", 73), bars, PROGRESSIONS["pop"], low=72)
    bass(p, p.track("bass", 33), bars, PROGRESSIONS["pop"])
    drums(p, p.track("drums", 0, True), bars)
    pieces.append(p)

    p = Piece("chord_chart", 108, 8)
    bars = range(16)
    melody(p, p.track("lead", 0), bars, PROGRESSIONS["jazz"], low=72)
    chord_pad(p, p.track("comp", 0), bars, PROGRESSIONS["jazz"], record=True)
    bass(p, p.track("bass", 33), bars, PROGRESSIONS["jazz"], style="walking")
    drums(p, p.track("drums", 0, True), bars, style="swing")
    pieces.append(p)
    return pieces


def main(out: str) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    chords = {}
    for piece in make_pieces():
        path = piece.write(folder)
        if piece.chords:
            chords[path.name] = [[round(t, 6), name] for t, name in piece.chords]
        print(path, f"{piece.midi.get_end_time():.1f} s",
              [f"{i.name}:{i.program}{'d' if i.is_drum else ''}" for i in piece.midi.instruments])
    (folder / "chords.json").write_text(json.dumps(chords, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/magenta/trio/cases")
