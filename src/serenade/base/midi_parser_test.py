"""The fast MIDI reader must give exactly note-seq's NoteSequence (or note-seq's failure)."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import mido
import pytest
from note_seq import midi_io

from serenade.base import midi_parser
from serenade.paths import MAGENTA_FIXTURES

from testing.music_files import simple_tune, write_edge_case_midis, write_raw_midi


# A varied, quick-to-export sample of music21's corpus: chorales, fiddle tunes in several
# metres, madrigals, a mass movement, a rag, a trio sonata, a keyboard sonata, a trecento piece.
CORPUS_SAMPLE = [
    {"include": ["bach/bwv2*.mxl"], "limit": 8},
    {"include": ["ryansMammoth/*Strathspey.abc", "ryansMammoth/*Jig.abc",
                 "ryansMammoth/*Hornpipe.abc"], "limit": 10},
    {"include": ["monteverdi/madrigal.3.1.mxl", "monteverdi/madrigal.3.2.mxl",
                 "palestrina/Agnus_00.krn", "joplin/maple_leaf_rag.mxl",
                 "corelli/opus3no1/1grave.xml", "cpebach/h186.mxl",
                 "trecento/Fava_Dicant_nunc_iudei.xml"]},
]


def reference(data: bytes):
    """note-seq's result: ('ok', sequence) or ('error', exception type)."""
    try:
        return "ok", midi_io.midi_to_note_sequence(data)
    except midi_io.MIDIConversionError:
        return "error", midi_io.MIDIConversionError


def ours(data: bytes):
    try:
        return "ok", midi_parser.midi_to_note_sequence(data)
    except midi_io.MIDIConversionError:
        return "error", midi_io.MIDIConversionError


def assert_identical(data: bytes, name: str):
    expected, actual = reference(data), ours(data)
    assert actual[0] == expected[0], f"{name}: note-seq {expected[0]}, fast reader {actual[0]}"
    if expected[0] == "ok":
        assert actual[1] == expected[1], f"{name}: NoteSequences differ"
        assert actual[1].SerializeToString() == expected[1].SerializeToString(), name


@pytest.fixture(scope="module")
def corpus_files(tmp_path_factory) -> list[Path]:
    """The CORPUS_SAMPLE pieces exported to MIDI (about 25 files, ~15 s on 2 cores)."""
    from serenade.sources.music21_corpus import corpus_root, export_corpus

    # Shared by the xdist workers of one run (the folder above each worker's basetemp), under a
    # lock: the first worker exports, the others reuse its cached exports.
    import fcntl

    import os

    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = tmp_path_factory.getbasetemp().parent / "serenade-corpus-sample"
        shared.mkdir(exist_ok=True)
    else:
        shared = tmp_path_factory.mktemp("corpus")
    files = []
    with open(shared / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for index, selection in enumerate(CORPUS_SAMPLE):
            present = [p for p in selection["include"] if list(corpus_root().glob(p))]
            listing = export_corpus(f"sample{index}", {**selection, "include": present}, shared, workers=2)
            files += [Path(entry["file"]) for entry in listing.files]
    return files


def test_identical_on_magenta_fixture_cases():
    cases = sorted(MAGENTA_FIXTURES.glob("*/cases/*.mid"))
    assert len(cases) >= 20
    for path in cases:
        assert_identical(path.read_bytes(), path.name)


def test_identical_on_exported_corpus(corpus_files):
    assert len(corpus_files) >= 20
    for path in corpus_files:
        assert_identical(path.read_bytes(), str(path))


def test_identical_on_edge_cases(tmp_path):
    for name, path in write_edge_case_midis(tmp_path).items():
        assert_identical(path.read_bytes(), name)


def _crafted(tmp_path: Path) -> dict[str, bytes]:
    """Files that exercise pretty_midi's less common paths."""
    out = {}
    # Controls and bends before the first note (pretty_midi's "stragglers"), program changes
    # mid-track, two channels in one track, note-on velocity 0 as note-off, overlapping notes
    # of one pitch, a spurious note-off, key signatures, lyrics, text, sysex, SMPTE offset.
    track0 = mido.MidiTrack([
        mido.MetaMessage("smpte_offset", frame_rate=25, hours=0, minutes=0, seconds=1, frames=0, sub_frames=0),
        mido.MetaMessage("set_tempo", tempo=600000),
        mido.MetaMessage("set_tempo", tempo=600000),
        mido.MetaMessage("key_signature", key="Ebm"),
        mido.MetaMessage("time_signature", numerator=6, denominator=8),
        mido.MetaMessage("set_tempo", tempo=400000, time=960),
        mido.MetaMessage("set_tempo", tempo=400000, time=100),  # repeated tempo: ignored
        mido.MetaMessage("key_signature", key="F#", time=10),
        mido.MetaMessage("set_tempo", tempo=700001, time=333),
        mido.MetaMessage("set_tempo", tempo=300000, time=0),  # two at one tick
    ])
    track1 = mido.MidiTrack([
        mido.MetaMessage("track_name", name="Lead é"),
        mido.Message("control_change", control=7, value=100, channel=0),
        mido.Message("pitchwheel", pitch=-200, channel=0),
        mido.Message("sysex", data=[1, 2, 3]),
        mido.Message("note_on", note=60, velocity=90, channel=0, time=10),
        mido.Message("note_on", note=60, velocity=70, channel=0, time=5),  # second start, same pitch
        mido.Message("note_on", note=64, velocity=80, channel=1, time=0),
        mido.Message("note_off", note=62, velocity=0, channel=0, time=20),  # spurious
        mido.Message("note_on", note=60, velocity=0, channel=0, time=100),  # closes both
        mido.Message("program_change", program=41, channel=0, time=3),
        mido.Message("control_change", control=64, value=127, channel=0),
        mido.Message("note_on", note=67, velocity=50, channel=0, time=7),
        mido.Message("note_off", note=64, velocity=0, channel=1, time=200),
        mido.Message("note_off", note=67, velocity=0, channel=0, time=1),
        mido.Message("note_on", note=67, velocity=51, channel=0, time=0),  # off and on at one tick
        mido.Message("note_off", note=67, velocity=0, channel=0, time=0),
        mido.Message("pitchwheel", pitch=8191, channel=0, time=5),
        mido.MetaMessage("lyrics", text="la", time=5),
        mido.Message("note_off", note=67, velocity=0, channel=0, time=50),
        mido.Message("aftertouch", value=3, channel=0, time=1),
        mido.Message("polytouch", note=60, value=3, channel=0, time=1),
        mido.Message("control_change", control=1, value=3, channel=5, time=1),  # straggler only
    ])
    track2 = mido.MidiTrack([mido.Message("note_on", note=36, velocity=100, channel=9, time=0),
                             mido.Message("note_off", note=36, velocity=0, channel=9, time=240),
                             mido.MetaMessage("set_tempo", tempo=500000, time=1)])  # not track 0
    for file_type, tracks in ((1, [track0, track1, track2]),):
        midi = mido.MidiFile(type=file_type, ticks_per_beat=384)
        midi.tracks.extend(tracks)
        path = tmp_path / "crafted.mid"
        midi.save(path)
        out["crafted"] = path.read_bytes()
    # Type 0: everything on one track.
    midi = mido.MidiFile(type=0, ticks_per_beat=96)
    midi.tracks.append(mido.merge_tracks([track0, track1]))
    midi.save(tmp_path / "type0.mid")
    out["type0"] = (tmp_path / "type0.mid").read_bytes()
    out["all_keys"] = b""
    keys = mido.MidiTrack([mido.MetaMessage("key_signature", key=key, time=10)
                           for key in sorted(mido.midifiles.meta._key_signature_encode)])
    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    midi.tracks.append(keys)
    midi.tracks.append(mido.MidiTrack([mido.Message("note_on", note=70, velocity=1),
                                       mido.Message("note_off", note=70, time=400)]))
    midi.save(tmp_path / "keys.mid")
    out["all_keys"] = (tmp_path / "keys.mid").read_bytes()
    # Odd but legal header: a longer MThd chunk.
    tune = write_raw_midi(tmp_path / "tune.mid", simple_tune(2)).read_bytes()
    size = struct.unpack(">L", tune[4:8])[0]
    out["long_header"] = tune[:4] + struct.pack(">L", size + 2) + tune[8:8 + size] + b"\0\0" + tune[8 + size:]
    out["smpte_division"] = tune[:12] + struct.pack(">h", -6000) + tune[14:]
    out["zero_tracks"] = tune[:10] + struct.pack(">h", 0) + tune[12:]
    out["extra_chunk"] = tune + b"XFIH\0\0\0\4abcd"
    out["not_mtrk"] = tune[:14] + b"MTrx" + tune[18:]
    out["riff"] = b"RIFF" + tune
    return out


def test_identical_on_crafted_files(tmp_path):
    for name, data in _crafted(tmp_path).items():
        assert_identical(data, name)


def test_identical_on_corrupted_files(corpus_files, tmp_path):
    """Random damage (flipped bytes, cuts, insertions) to real files: same sequence or both fail."""
    rng = random.Random(1234)
    sources = [path.read_bytes() for path in corpus_files[:8]]
    sources.append(_crafted(tmp_path)["crafted"])
    for index, original in enumerate(sources):
        for trial in range(48):
            data = bytearray(original)
            kind = trial % 4
            if kind == 0:
                for _ in range(rng.randint(1, 4)):
                    data[rng.randrange(14, len(data))] = rng.randrange(256)
            elif kind == 1:
                data = data[: rng.randrange(10, len(data))]
            elif kind == 2:
                position = rng.randrange(14, len(data))
                data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 3)))
            else:
                position = rng.randrange(14, len(data))
                data[position] = rng.choice([0x80, 0x90, 0xF0, 0xFF, 0xF7, 0xF1, 0x7F, 0x00])
            assert_identical(bytes(data), f"file {index} trial {trial}")


def test_file_reader_matches(tmp_path):
    path = write_raw_midi(tmp_path / "x y é.mid", simple_tune(2))
    assert midi_parser.midi_file_to_note_sequence(path) == midi_io.midi_file_to_note_sequence(str(path))


def test_fast_path_really_runs(corpus_files, tmp_path):
    """The comparisons above must exercise the fast reader, not only its note-seq fallback."""
    for path in sorted(MAGENTA_FIXTURES.glob("*/cases/*.mid")) + corpus_files:
        midi_parser._parse(path.read_bytes())  # raises if it would fall back
    crafted = _crafted(tmp_path)
    for name in ("crafted", "type0", "all_keys", "long_header", "extra_chunk"):
        midi_parser._parse(crafted[name])
    for name in ("smpte_division", "zero_tracks", "not_mtrk", "riff"):
        with pytest.raises(Exception):
            midi_parser._parse(crafted[name])
