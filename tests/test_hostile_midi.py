"""MIDI files made to expand: each is parsed as a parse job parses a file (`inspect_file`) in
a fresh process whose peak RSS (resource.getrusage) must stay under the documented bound
(`midi_limits.PARSE_PEAK_RSS_BYTES`, docs/data.md), and is refused with the reason."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys

import pytest

from serenade.base.midi_limits import MAX_FILE_BYTES, PARSE_PEAK_RSS_BYTES

# The child's own peak: VmHWM belongs to the process image and starts afresh at exec, while
# ru_maxrss survives exec and would report the forking test worker's size (over 1 GB once it has
# loaded TensorFlow); ru_maxrss only where /proc is missing.
_CHILD = """
import json, resource, sys
from serenade.data.inspection import inspect_file
row, record = inspect_file(("hostile", "x.mid", sys.argv[1], sys.argv[2]))
try:
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    peak = int(status.split()[0]) * 1024  # kB
except (OSError, IndexError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
print(json.dumps({"status": row["status"], "reason": row["reason"], "peak": peak}))
"""


def _vlq(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _midi(events: bytes) -> bytes:
    track = events + b"\x00\xff\x2f\x00"
    return (b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480)
            + b"MTrk" + struct.pack(">I", len(track)) + track)


def _one_long_delta() -> bytes:
    """197 bytes: a track name, one note, and a delta of 2**28 - 1 ticks before its end."""
    head = b"\x00\x90\x3c\x40" + _vlq(2**28 - 1) + b"\x80\x3c\x40"
    name_bytes = 197 - len(_midi(head)) - 3  # delta, meta status and type
    name = b"x" * (name_bytes - len(_vlq(name_bytes)))  # its length takes a byte or two
    data = _midi(b"\x00\xff\x03" + _vlq(len(name)) + name + head)
    assert len(data) == 197
    return data


def _many_notes(count: int = 10**6) -> bytes:
    return _midi(b"\x00\x90\x3c\x40\x01\x80\x3c\x40" * count)


def _parse_in_child(path, parser) -> dict:
    result = subprocess.run([sys.executable, "-c", _CHILD, str(path), parser],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


# note-seq would build a tick array, so its path refuses the long delta by its ticks; Serenade's
# reader keeps no per-tick state and refuses it by its duration (2**28 ticks at 480 a quarter
# and 120 qpm: 77 hours)
@pytest.mark.parametrize("parser, shape, word", [
    ("fast", _one_long_delta, "lasts 279,620 s"), ("note_seq", _one_long_delta, "ticks"),
    ("fast", _many_notes, "events"), ("note_seq", _many_notes, "events")])
def test_a_file_past_the_caps_is_refused_within_the_memory_bound(tmp_path, parser, shape, word):
    path = tmp_path / "x.mid"
    path.write_bytes(shape())
    parsed = _parse_in_child(path, parser)
    assert parsed["status"] == "invalid" and parsed["reason"].startswith("over a parse cap")
    assert word in parsed["reason"]
    assert parsed["peak"] < PARSE_PEAK_RSS_BYTES, parsed


def test_a_long_movement_at_musicxml_resolution_is_read(tmp_path):
    """music21 writes 10,080 ticks a quarter, so a 320-bar movement passes 10,000,000 ticks:
    Serenade's reader takes it (no tick array), with note-seq's notes."""
    from note_seq import midi_io

    from serenade.base.midi_parser import midi_file_to_note_sequence

    quarter = 10_080
    notes = b"".join(b"\x00\x90" + bytes([60 + i % 12]) + b"\x50" + _vlq(quarter)
                     + b"\x80" + bytes([60 + i % 12]) + b"\x40" for i in range(1280))
    track = notes + b"\x00\xff\x2f\x00"
    path = tmp_path / "movement.mid"
    path.write_bytes(b"MThd" + struct.pack(">IHHH", 6, 0, 1, quarter)
                     + b"MTrk" + struct.pack(">I", len(track)) + track)
    sequence = midi_file_to_note_sequence(path)
    assert len(sequence.notes) == 1280 and sequence.total_time == pytest.approx(640.0)
    assert sequence == midi_io.midi_file_to_note_sequence(str(path))


def test_an_oversize_file_is_refused_unread(tmp_path):
    path = tmp_path / "big.mid"
    with open(path, "wb") as handle:
        handle.write(_many_notes(10))
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: the test writes no 64 MiB
    parsed = _parse_in_child(path, "fast")
    assert parsed["status"] == "invalid"
    assert f"more than the cap of {MAX_FILE_BYTES:,} on one MIDI file" in parsed["reason"]
    assert parsed["peak"] < PARSE_PEAK_RSS_BYTES and parsed["peak"] < 400 * 2**20, parsed
