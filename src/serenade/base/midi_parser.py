"""MIDI bytes -> note_seq.NoteSequence, identical to `note_seq.midi_io.midi_to_note_sequence`.

note-seq parses with pretty_midi on top of mido, building a Python object per MIDI message and a
tick-to-time array as long as the file. This reader walks the bytes once and follows the same
rules (mido's reading of the file, pretty_midi's tempo map, note pairing and instrument
grouping, note-seq's proto layout) with the same floating-point operations, so the NoteSequences
are equal field for field; `midi_parser_test.py` checks that on real files.

Anything outside the well-trodden path (running status after sysex, system messages, odd meta
lengths, chunks that do not add up, SMPTE time division, huge ticks, invalid key/time
signatures, ...) is handed to note-seq itself, so such files get exactly note-seq's result or
its error.
"""

from __future__ import annotations

import bisect
import struct
from pathlib import Path

from mido.midifiles.meta import _META_SPECS, _key_signature_decode
from note_seq import midi_io
from note_seq.protobuf import music_pb2
from pretty_midi.utilities import key_name_to_key_number

from serenade.base.midi_limits import (MAX_EVENTS, MAX_TRACK_EVENTS, MidiLimitError,
                                       census, check_census, check_duration)

MIDIConversionError = midi_io.MIDIConversionError


class _Unsupported(Exception):
    """This file takes a path the fast reader does not mirror; use note-seq."""


def _key_numbers() -> dict[tuple[int, int], int]:
    """(sharps/flats, mode) -> pretty_midi key number, built from mido's and pretty_midi's tables."""
    return {pair: key_name_to_key_number(name) for pair, name in _key_signature_decode.items()}


_KEY_NUMBERS = _key_numbers()


def _known_meta_types() -> frozenset[int]:
    return frozenset(key for key in _META_SPECS if isinstance(key, int))


# mido builds meta messages of other types without their delta time (it is dropped, so the
# track's clock does not advance); pretty_midi sees the same, and so must we.
_KNOWN_META = _known_meta_types()


def midi_to_note_sequence(data: bytes) -> music_pb2.NoteSequence:
    """Parse MIDI file contents; raises note_seq's MIDIConversionError like note-seq does, and
    its MidiLimitError for a file past the caps of `midi_limits` (before building anything)."""
    try:
        sequence = _parse(data)
    except _Unsupported:
        sequence = None
    except (IndexError, ValueError, KeyError, OverflowError, ZeroDivisionError, struct.error):
        sequence = None  # malformed in a way note-seq reports in its own words
    if sequence is None:
        return note_seq_to_note_sequence(data)
    check_duration(sequence.total_time)
    return sequence


def note_seq_to_note_sequence(data: bytes) -> music_pb2.NoteSequence:
    """note-seq's own parser, within the caps of `midi_limits`: they are counted from the
    bytes before note-seq builds anything (it lifts pretty_midi's tick limit)."""
    check_census(census(data))
    sequence = midi_io.midi_to_note_sequence(data)
    check_duration(sequence.total_time)
    return sequence


def midi_file_to_note_sequence(path) -> music_pb2.NoteSequence:
    with open(path, "rb") as handle:
        return midi_to_note_sequence(handle.read())


def read_midi(path: str | Path):
    """MIDI file -> NoteSequence (note-seq's result, faster); ValueError
    naming the file otherwise."""
    try:
        return midi_file_to_note_sequence(path)
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except (midi_io.MIDIConversionError, OSError, EOFError, IndexError, KeyError,
            ValueError) as error:
        raise ValueError(f"{path}: not a readable MIDI file ({error})") from None


def _read_tracks(data: bytes):
    """Split the file into tracks of raw events, as mido reads them.

    Each track is (events, last_tick) with events as tuples (tick, kind, a, b, c) for the
    messages pretty_midi uses: kind 'n' note (channel, pitch, velocity; velocity 0 = off),
    'o' note_off, 'p' program change, 'c' control change, 'w' pitchwheel, 't' set_tempo,
    's' time signature, 'k' key signature, 'm' track name.
    """
    if data[:4] != b"MThd":
        raise _Unsupported
    header_size = int.from_bytes(data[4:8], "big")
    if header_size < 6:
        raise _Unsupported
    _, n_tracks, division = struct.unpack(">hhh", data[8:14])
    if n_tracks <= 0 or division <= 0:
        raise _Unsupported
    pos = 8 + header_size
    size_total = len(data)
    tracks = []
    budget = MAX_EVENTS
    for _ in range(n_tracks):
        if data[pos:pos + 4] != b"MTrk" or pos + 8 > size_total:
            raise _Unsupported
        end = pos + 8 + int.from_bytes(data[pos + 4:pos + 8], "big")
        if end > size_total:
            raise _Unsupported
        tracks.append(_read_track(data, pos + 8, end, budget))
        budget -= len(tracks[-1][0])
        pos = end
    return division, tracks


def _read_track(data: bytes, pos: int, end: int, budget: int = MAX_EVENTS):
    """One track's events; MidiLimitError past MAX_TRACK_EVENTS events, or past `budget`
    (what the file's other tracks left of MAX_EVENTS) events kept."""
    events = []
    append = events.append
    tick = 0
    last_status = -1
    count = 0
    cap = min(MAX_TRACK_EVENTS, budget)
    while pos != end:
        if count >= cap:
            check_census(census(data), ticks=False)  # says which event cap
            raise MidiLimitError(f"more than {MAX_EVENTS:,} events: not parsed")
        if pos > end:
            raise _Unsupported  # mido would read on into the next chunk
        byte = data[pos]
        pos += 1
        delta = byte & 0x7F
        while byte & 0x80:
            byte = data[pos]
            pos += 1
            delta = (delta << 7) | (byte & 0x7F)
        tick += delta
        count += 1
        status = data[pos]
        if status < 0x80:  # running status
            if last_status < 0x80 or last_status >= 0xF0:
                raise _Unsupported
            status = last_status
        else:
            pos += 1
            if status != 0xFF:
                last_status = status
        kind = status & 0xF0
        if kind < 0xF0:
            channel = status & 0x0F
            first = data[pos]
            if kind == 0xC0 or kind == 0xD0:
                if first > 127:
                    raise _Unsupported
                pos += 1
                if kind == 0xC0:
                    append((tick, "p", channel, first, 0))
                continue
            second = data[pos + 1]
            if first > 127 or second > 127:
                raise _Unsupported
            pos += 2
            if kind == 0x90:
                append((tick, "n", channel, first, second))
            elif kind == 0x80:
                append((tick, "o", channel, first, second))
            elif kind == 0xB0:
                append((tick, "c", channel, first, second))
            elif kind == 0xE0:
                append((tick, "w", channel, first | (second << 7), 0))
            continue  # 0xA0 polytouch: not used
        if status == 0xFF:
            meta_type = data[pos]
            pos += 1
            byte = data[pos]
            pos += 1
            length = byte & 0x7F
            while byte & 0x80:
                byte = data[pos]
                pos += 1
                length = (length << 7) | (byte & 0x7F)
            if length > 1_000_000:
                raise _Unsupported
            body = data[pos:pos + length]
            if len(body) != length:
                raise _Unsupported
            pos += length
            if meta_type not in _KNOWN_META:
                tick -= delta
                continue
            if meta_type == 0x51:
                if length < 3:
                    raise _Unsupported
                append((tick, "t", (body[0] << 16) | (body[1] << 8) | body[2], 0, 0))
            elif meta_type == 0x58:
                if length < 4:
                    raise _Unsupported
                append((tick, "s", body[0], body[1], 0))
            elif meta_type == 0x59:
                if length < 2:
                    raise _Unsupported
                sharps = body[0] - 256 if body[0] > 127 else body[0]
                append((tick, "k", sharps, body[1], 0))
            elif meta_type == 0x03:
                append((tick, "m", body.decode("latin1"), 0, 0))
            elif meta_type in (0x00, 0x21):
                if length == 1 and meta_type == 0x00:
                    raise _Unsupported  # mido would read past the data
            elif meta_type == 0x20:
                if length < 1:
                    raise _Unsupported
            elif meta_type == 0x54:  # mido checks the SMPTE fields' ranges
                if length < 5 or body[0] >> 5 > 3 or body[1] > 59 or body[2] > 59 or body[4] > 99:
                    raise _Unsupported
            continue
        if status == 0xF0 or status == 0xF7:
            byte = data[pos]
            pos += 1
            length = byte & 0x7F
            while byte & 0x80:
                byte = data[pos]
                pos += 1
                length = (length << 7) | (byte & 0x7F)
            body = data[pos:pos + length]
            if length > 1_000_000 or len(body) != length:
                raise _Unsupported
            if body[:1] == b"\xf0":
                body = body[1:]
            if body[-1:] == b"\xf7":
                body = body[:-1]
            if any(value > 127 for value in body):
                raise _Unsupported  # mido refuses such sysex data
            pos += length
            continue
        raise _Unsupported  # system common / real-time message inside a file
    if count == 0:
        raise _Unsupported  # pretty_midi fails on an empty track
    return events, tick


class _Instrument:
    __slots__ = ("program", "is_drum", "name", "notes", "pitch_bends", "control_changes")

    def __init__(self, program, is_drum, name):
        self.program, self.is_drum, self.name = program, is_drum, name
        self.notes, self.pitch_bends, self.control_changes = [], [], []


def _parse(data: bytes) -> music_pb2.NoteSequence:
    resolution, tracks = _read_tracks(data)

    # Tempo map (pretty_midi: track 0 only; repeated tempi ignored; tempo at tick 0 replaces).
    scales = [(0, 60.0 / (120.0 * resolution))]
    for tick, kind, tempo, _, _ in tracks[0][0]:
        if kind == "t":
            if tick == 0:
                scales = [(0, 60.0 / ((6e7 / tempo) * resolution))]
            else:
                scale = 60.0 / ((6e7 / tempo) * resolution)
                if scale != scales[-1][1]:
                    scales.append((tick, scale))
    # Segment i covers ticks from starts[i]: time = offsets[i] + scale_i * (tick - starts[i]),
    # the same operations as pretty_midi's tick-to-time array.
    starts = [start for start, _ in scales]
    offsets = [0.0]
    for (start, scale), (next_start, _) in zip(scales[:-1], scales[1:]):
        offsets.append(offsets[-1] + scale * float(next_start - start))
    factors = [scale for _, scale in scales]
    single = len(scales) == 1
    cache: dict[int, float] = {}

    def to_time(tick: int) -> float:
        value = cache.get(tick)
        if value is None:
            index = 0 if single else bisect.bisect_right(starts, tick) - 1
            value = offsets[index] + factors[index] * float(tick - starts[index])
            cache[tick] = value
        return value

    sequence = music_pb2.NoteSequence()
    sequence.ticks_per_quarter = resolution
    sequence.source_info.parser = music_pb2.NoteSequence.SourceInfo.PRETTY_MIDI
    sequence.source_info.encoding_type = music_pb2.NoteSequence.SourceInfo.MIDI

    for tick, kind, numerator, power, _ in tracks[0][0]:
        if kind == "s":
            if numerator <= 0 or power >= 31:
                raise _Unsupported  # pretty_midi / note-seq reject it: let them word the error
            time_signature = sequence.time_signatures.add()
            time_signature.time = to_time(tick)
            time_signature.numerator = numerator
            time_signature.denominator = 2 ** power
    for tick, kind, sharps, mode, _ in tracks[0][0]:
        if kind == "k":
            number = _KEY_NUMBERS.get((sharps, mode))
            if number is None:
                raise _Unsupported
            key_signature = sequence.key_signatures.add()
            key_signature.time = to_time(tick)
            key_signature.key = number % 12
            key_signature.mode = key_signature.MINOR if number // 12 else key_signature.MAJOR
    for tick, scale in scales:
        tempo = sequence.tempos.add()
        tempo.time = to_time(tick)
        tempo.qpm = 60.0 / (scale * resolution)

    instruments = _group_instruments(tracks, to_time)

    notes = sequence.notes
    for index, instrument in enumerate(instruments):
        if instrument.name:
            info = sequence.instrument_infos.add()
            info.name = instrument.name
            info.instrument = index
    total_time = 0.0
    for index, instrument in enumerate(instruments):
        program, is_drum = instrument.program, instrument.is_drum
        for velocity, pitch, start, end in instrument.notes:
            if not total_time or end > total_time:
                total_time = end
            note = notes.add()
            note.instrument = index
            note.program = program
            note.start_time = start
            note.end_time = end
            note.pitch = pitch
            note.velocity = velocity
            note.is_drum = is_drum
    if total_time:
        sequence.total_time = total_time
    for index, instrument in enumerate(instruments):
        for bend_value, time in instrument.pitch_bends:
            bend = sequence.pitch_bends.add()
            bend.instrument = index
            bend.program = instrument.program
            bend.time = time
            bend.bend = bend_value
            bend.is_drum = instrument.is_drum
    for index, instrument in enumerate(instruments):
        for number, value, time in instrument.control_changes:
            change = sequence.control_changes.add()
            change.instrument = index
            change.program = instrument.program
            change.time = time
            change.control_number = number
            change.control_value = value
            change.is_drum = instrument.is_drum
    return sequence


def _group_instruments(tracks, to_time) -> list[_Instrument]:
    """pretty_midi's instrument grouping: one instrument per (program, channel, track), created
    when its first note ends; controls and bends seen before that wait in a per-(channel, track)
    'straggler' whose lists the instrument then shares."""
    instrument_map: dict[tuple, _Instrument] = {}
    stragglers: dict[tuple, _Instrument] = {}
    track_names: dict[int, str] = {}

    def get_instrument(program, channel, track, create_new):
        instrument = instrument_map.get((program, channel, track))
        if instrument is not None:
            return instrument
        if not create_new and (channel, track) in stragglers:
            return stragglers[(channel, track)]
        if create_new:
            instrument = _Instrument(program, channel == 9, track_names.get(track, ""))
            straggler = stragglers.get((channel, track))
            if straggler is not None:
                instrument.control_changes = straggler.control_changes
                instrument.pitch_bends = straggler.pitch_bends
            instrument_map[(program, channel, track)] = instrument
        else:
            # pretty_midi passes the track name as is_drum here; stragglers are never output.
            instrument = _Instrument(program, bool(track_names.get(track, "")), track_names.get(track, ""))
            stragglers[(channel, track)] = instrument
        return instrument

    for track_index, (events, _) in enumerate(tracks):
        open_notes: dict[tuple[int, int], list] = {}
        programs = [0] * 16
        for tick, kind, a, b, c in events:
            if kind == "n" and c > 0:
                key = (a, b)
                pending = open_notes.get(key)
                if pending is None:
                    open_notes[key] = [(tick, c)]
                else:
                    pending.append((tick, c))
            elif kind == "n" or kind == "o":
                key = (a, b)
                pending = open_notes.get(key)
                if pending is None:
                    continue
                to_close = [(start, velocity) for start, velocity in pending if start != tick]
                to_keep = [(start, velocity) for start, velocity in pending if start == tick]
                if to_close:
                    end_time = to_time(tick)
                    instrument = get_instrument(programs[a], a, track_index, True)
                    for start, velocity in to_close:
                        instrument.notes.append((velocity, b, to_time(start), end_time))
                if to_close and to_keep:
                    open_notes[key] = to_keep
                else:
                    del open_notes[key]
            elif kind == "p":
                programs[a] = b
            elif kind == "c":
                get_instrument(programs[a], a, track_index, False).control_changes.append((b, c, to_time(tick)))
            elif kind == "w":
                get_instrument(programs[a], a, track_index, False).pitch_bends.append((b - 8192, to_time(tick)))
            elif kind == "m":
                track_names[track_index] = a
    return list(instrument_map.values())
