"""What one MIDI file may expand to, so that a parse job's memory and time are bounded by
these caps, not by what a (small, hostile) file claims.

A few bytes can claim a delta of 2**28 ticks (pretty_midi builds an array as long as the file's
ticks), a 6 MB file can hold 10**6 notes (a Python object each), and a folder can hold a file
of any size. Past a cap the file is refused (`MidiLimitError`, an `invalid` manifest row with
the reason) before anything is built from it. docs/data.md gives the bound they make.
"""

from __future__ import annotations

from dataclasses import dataclass

from note_seq.midi_io import MIDIConversionError

MAX_FILE_BYTES = 64 * 2**20  # as data.archives.max_member_bytes: MIDI files are small
# pretty_midi's own limit (note-seq lifts it): an 80 MB tick array. Only note-seq's parser
# builds one; Serenade's reader keeps no per-tick state, so for it MAX_DURATION_S is the bound
# (music21 writes 10,080 ticks a quarter: a 250-bar movement passes 10,000,000 ticks).
MAX_TICKS = 10_000_000
MAX_EVENTS = 1_000_000  # channel and meta events in all tracks together
MAX_TRACK_EVENTS = 500_000  # in one track
MAX_DURATION_S = 4 * 3600.0  # end of the last note: what window extraction walks
# The bound these make (docs/data.md): peak memory of one process parsing any one file.
# Measured: 195 MB of imports, about 390 MB for a file of 500,000 events in one track.
PARSE_PEAK_RSS_BYTES = 2**30


class MidiLimitError(MIDIConversionError):
    """The file would expand past a cap; the message names the cap and the file's figure."""


@dataclass
class Census:
    """What a file claims, counted from its bytes without building anything."""

    max_tick: int = 0
    events: int = 0
    max_track_events: int = 0



def _read_vlq(data: bytes, pos: int) -> tuple[int, int]:
    """A MIDI variable-length quantity at `pos`: (its value, the position after it)."""
    value, byte = 0, 0x80
    while byte & 0x80:
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
    return value, pos

def census(data: bytes) -> Census:
    """Ticks and events of every track, read as mido reads the chunk structure; stops at the
    first malformed byte (the parser then words the error)."""
    found = Census()
    if data[:4] != b"MThd" or len(data) < 14:
        return found
    pos = 8 + int.from_bytes(data[4:8], "big")
    try:
        while data[pos:pos + 4] == b"MTrk":
            end = min(pos + 8 + int.from_bytes(data[pos + 4:pos + 8], "big"), len(data))
            pos, tick, count, status = pos + 8, 0, 0, 0
            while pos < end:
                delta, pos = _read_vlq(data, pos)
                tick += delta
                count += 1
                if data[pos] >= 0x80:
                    status = data[pos]
                    pos += 1
                if status == 0xFF or status in (0xF0, 0xF7):
                    pos += 1 if status == 0xFF else 0
                    length, pos = _read_vlq(data, pos)
                    pos += length
                else:
                    pos += 1 if status & 0xF0 in (0xC0, 0xD0) else 2
            found.max_tick = max(found.max_tick, tick)
            found.events += count
            found.max_track_events = max(found.max_track_events, count)
            pos = end
    except IndexError:
        pass
    return found


def check_census(found: Census, ticks: bool = True) -> None:
    """MidiLimitError when the counted figures pass a cap (the tick cap only with `ticks`: it
    guards note-seq's tick array)."""
    if ticks and found.max_tick > MAX_TICKS:
        raise MidiLimitError(f"a track lasts {found.max_tick:,} ticks, more than the cap of "
                             f"{MAX_TICKS:,}: not parsed")
    if found.max_track_events > MAX_TRACK_EVENTS:
        raise MidiLimitError(f"a track holds {found.max_track_events:,} events, more than the "
                             f"cap of {MAX_TRACK_EVENTS:,}: not parsed")
    if found.events > MAX_EVENTS:
        raise MidiLimitError(f"{found.events:,} events, more than the cap of {MAX_EVENTS:,}: "
                             "not parsed")


def check_duration(seconds: float) -> None:
    """MidiLimitError when the notes end later than MAX_DURATION_S."""
    if seconds > MAX_DURATION_S:
        raise MidiLimitError(f"lasts {seconds:,.0f} s, more than the cap of {MAX_DURATION_S:,.0f} s")
