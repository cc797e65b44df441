"""Music files written for tests: MIDI files note by note (with pretty_midi, or byte by byte
with mido), the edge cases a dataset must survive, and NoteSequence TFRecords."""

from __future__ import annotations

import random
from pathlib import Path

import mido


def midi_text_events(path) -> list[tuple[float, str]]:
    """(beat, text) of every text event in a MIDI file's first track (chord symbols)."""
    midi = mido.MidiFile(str(path))
    found, tick = [], 0
    for message in midi.tracks[0]:
        tick += message.time
        if message.type == "text":
            found.append((tick / midi.ticks_per_beat, message.text))
    return found


def write_midi_tracks(path, tracks, *, qpm: float = 120.0, time_signature=(4, 4),
                      time_signature_changes=()):
    """Write a multi-track MIDI file and return its path.

    `tracks`: dicts with `notes` [(pitch, start_s, end_s) or (pitch, start_s, end_s, velocity)]
    and optional `program` (0), `is_drum` (False), `name` ('').
    `time_signature_changes`: [(time_s, numerator, denominator)] after the first one.
    """
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(resolution=220, initial_tempo=qpm)
    numerator, denominator = time_signature
    midi.time_signature_changes.append(pretty_midi.TimeSignature(numerator, denominator, 0.0))
    for time, numerator, denominator in time_signature_changes:
        midi.time_signature_changes.append(pretty_midi.TimeSignature(numerator, denominator, time))
    for track in tracks:
        instrument = pretty_midi.Instrument(program=track.get("program", 0),
                                            is_drum=track.get("is_drum", False),
                                            name=track.get("name", ""))
        for note in track["notes"]:
            pitch, start, end = note[:3]
            velocity = note[3] if len(note) > 3 else 90
            instrument.notes.append(pretty_midi.Note(velocity, pitch, start, end))
        midi.instruments.append(instrument)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    midi.write(str(path))
    return path


def scale_melody(bars: int, *, first_pitch: int = 60, qpm: float = 120.0, start_bar: int = 0):
    """Notes [(pitch, start_s, end_s)] of eighth notes climbing by semitones for `bars` 4/4 bars."""
    eighth = 30.0 / qpm
    offset = start_bar * 8 * eighth
    return [(first_pitch + (i % 12), offset + i * eighth, offset + (i + 1) * eighth)
            for i in range(bars * 8)]


def write_note_sequence_tfrecord(path, sequences) -> "object":
    """Write NoteSequences to a TFRecord file (what the data workflow produces); returns the path."""
    import tensorflow as tf

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path)) as writer:
        for sequence in sequences:
            writer.write(sequence.SerializeToString())
    return path


def write_raw_midi(path, notes=(), *, ticks_per_beat: int = 480, tempos=((0, 120.0),),
                   time_signatures=((0, 4, 4),), program: int = 0, channel: int = 0,
                   track_name: str = "", extra_tracks=()):
    """Write a type-1 MIDI file with mido, byte by byte under the caller's control.

    `notes`: [(pitch, start_tick, end_tick)] or with velocity and channel appended.
    `tempos`: [(tick, qpm)]; `time_signatures`: [(tick, numerator, denominator)] on track 0.
    `extra_tracks`: more note lists, one track each (channel 1, 2, ...).
    Returns the path.
    """
    def absolute_to_delta(events):
        events = sorted(events, key=lambda item: item[0])
        track, last = mido.MidiTrack(), 0
        for tick, message in events:
            track.append(message.copy(time=tick - last))
            last = tick
        return track

    conductor = []
    for tick, qpm in tempos:
        conductor.append((tick, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(qpm))))
    for tick, numerator, denominator in time_signatures:
        conductor.append((tick, mido.MetaMessage("time_signature", numerator=numerator,
                                                  denominator=denominator)))
    midi = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    midi.tracks.append(absolute_to_delta(conductor))
    for index, note_list in enumerate([list(notes), *map(list, extra_tracks)]):
        events = []
        default_channel = channel if index == 0 else (index % 16 if index % 16 != 9 else 10)
        if track_name and index == 0:
            events.append((0, mido.MetaMessage("track_name", name=track_name)))
        events.append((0, mido.Message("program_change", program=program, channel=default_channel)))
        for note in note_list:
            pitch, start, end = note[:3]
            velocity = note[3] if len(note) > 3 else 80
            note_channel = note[4] if len(note) > 4 else default_channel
            events.append((start, mido.Message("note_on", note=pitch, velocity=velocity, channel=note_channel)))
            events.append((end, mido.Message("note_off", note=pitch, velocity=0, channel=note_channel)))
        midi.tracks.append(absolute_to_delta(events))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    midi.save(str(path))
    return path


def simple_tune(bars: int = 4, *, ticks_per_beat: int = 480, beats_per_bar: int = 4,
                first_pitch: int = 60, step: int = 2):
    """Notes [(pitch, start_tick, end_tick)]: one eighth note after another, pitches wandering."""
    eighth = ticks_per_beat // 2
    count = bars * beats_per_bar * 2
    return [(first_pitch + (i * step) % 12, i * eighth, (i + 1) * eighth) for i in range(count)]


# Edge-case files: name -> (expected status, a word the reason must contain).
EDGE_CASES = {
    "tune.mid": ("ok", ""),
    "zero_notes.mid": ("invalid", "no notes"),
    "drums_only.mid": ("ok", ""),
    "waltz 3-4.mid": ("ok", ""),
    "tempo_change.mid": ("ok", ""),
    "random_bytes.mid": ("invalid", "not a MIDI file"),
    "zero_length.mid": ("invalid", "empty"),
    "truncated.mid": ("invalid", "cannot parse"),
    "Café à l'aube ünïcode.MID": ("ok", ""),
}


def write_edge_case_midis(folder) -> dict:
    """Write the EDGE_CASES files into `folder`; returns {name: path}."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / name for name in EDGE_CASES}
    write_raw_midi(paths["tune.mid"], simple_tune(4), track_name="Melody")
    write_raw_midi(paths["zero_notes.mid"], [])
    drums = [(36 + (i % 3) * 2, i * 240, i * 240 + 120, 100, 9) for i in range(32)]
    write_raw_midi(paths["drums_only.mid"], drums, channel=9)
    write_raw_midi(paths["waltz 3-4.mid"], simple_tune(4, beats_per_bar=3), time_signatures=((0, 3, 4),))
    write_raw_midi(paths["tempo_change.mid"], simple_tune(8, first_pitch=55),
                   tempos=((0, 100.0), (3840, 140.0), (7000, 90.5)),
                   extra_tracks=[simple_tune(8, first_pitch=48, step=5)])
    paths["random_bytes.mid"].write_bytes(random.Random(7).randbytes(3000))
    paths["zero_length.mid"].write_bytes(b"")
    good = paths["tune.mid"].read_bytes()
    paths["truncated.mid"].write_bytes(good[: len(good) // 2])
    write_raw_midi(paths["Café à l'aube ünïcode.MID"], simple_tune(3, first_pitch=64), program=40)
    return paths
