"""Write the Bach chorale inputs of the multiperf parity fixture (music21's corpus, four voices).

    PYTHONPATH=src:. .venv/bin/python tools/oracle/make_multiperf_midi.py OUT_DIR

Runs with the project's venv (music21 is there, not in magenta's oracle venv); then
`record_multiperf_converter.py` runs magenta's converter on OUT_DIR/*.mid. Each chorale is one
MIDI track per voice (soprano, alto, tenor, bass). `bwv244.3_strings` gives its voices string
programs (violin 40, viola 41, cello 42, contrabass 43) and seeded random velocities, so that
program order and velocity bins are exercised; `bwv269` is in 3/4 (no 96-step bars: no windows).
"""
import random
import sys
from pathlib import Path

from music21 import corpus, instrument

CHORALES = ["bach/bwv66.6", "bach/bwv347", "bach/bwv153.1", "bach/bwv269"]
STRINGS = [instrument.Violin, instrument.Viola, instrument.Violoncello, instrument.Contrabass]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in CHORALES:
        corpus.parse(name).write("midi", fp=out / f"{name.split('/')[1]}.mid")
    score = corpus.parse("bach/bwv244.3")
    rng = random.Random(0)
    for part, kind in zip(score.parts, STRINGS):
        for old in part.recurse().getElementsByClass(instrument.Instrument):
            old.activeSite.remove(old)
        part.insert(0, kind())
        for note in part.recurse().notes:
            note.volume.velocity = rng.randint(20, 127)
    score.write("midi", fp=out / "bwv244.3_strings.mid")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
