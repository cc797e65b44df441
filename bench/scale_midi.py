"""Many realistic MIDI files, fast, for bench/scale_data.py: variations of real pieces.

A few dozen pieces of music21's corpus are exported once (serenade's own exporter) and cached
as notes in beats (`pieces.json`). File i is a function of (seed, i) alone, so files are made
in any order on a process pool and the same seed always gives the same bytes: a piece,
transposed (-6..+6), at its own resolution and tempo (sometimes changing mid-piece), regrouped
into another time signature where the beats allow it, voiced for General MIDI instruments on
one or several tracks (sometimes a bass line, a doubled melody or a drum track on channel 10),
velocities humanised. About 3% are broken the ways downloaded collections are (empty,
truncated, garbage, an HTML error page, RIFF-wrapped, a bad header, a track chunk length that
lies, no notes) and about 1% are exact copies of an earlier file. Names are Lakh-like:
`h/h/<32 hex>.mid`. `truth.csv` says what each file is and the manifest status it must get.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import shutil
import struct
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from serenade.base.pool import ordered_map  # noqa: E402

VERSION = 1  # bump when the bytes of a (seed, index) change: a cached folder is then remade
BEAT = 480  # cached note times are in 1/480 beat
# corpus pattern: how many pieces (4/4, 2/2, 3/4, 6/8, 9/8, 2/4; chorales are 4 parts)
SELECTION = {
    "bach/bwv*.mxl": 14, "ryansMammoth/*Reel.abc": 6, "ryansMammoth/*Hornpipe.abc": 4,
    "ryansMammoth/*Jig.abc": 5, "ryansMammoth/*Slipjig.abc": 2,
    "ryansMammoth/*Strathspey.abc": 2, "joplin/*.mxl": 1, "chopin/*.krn": 1,
    "mozart/k545/*.mxl": 1,
}
SHARES = (0.03, 0.01)  # broken, duplicate
BROKEN_KINDS = ("empty", "truncated", "garbage", "html", "riff", "bad_header", "long_chunk",
                "short_chunk", "no_notes")
RESOLUTIONS = (96, 120, 192, 220, 384, 480, 960)
# General MIDI programs a piece is voiced for: ensembles, solo melodies, bass
ENSEMBLES = ((19, 19, 19, 19), (52, 52, 52, 52), (48, 48, 48, 48), (40, 40, 41, 42),
             (68, 71, 70, 60), (56, 60, 57, 58), (0, 0, 0, 0), (6, 6, 6, 6), (73, 68, 71, 70))
MELODY = (0, 1, 4, 6, 21, 22, 24, 25, 40, 56, 65, 68, 71, 73, 74, 80, 105, 109, 110)
BASS = (32, 33, 34, 35, 38, 42, 43, 58)
REGROUPED = {(4, 4): ((2, 2), (2, 4)), (2, 2): ((4, 4),), (2, 4): ((4, 4),),
             (3, 4): ((6, 8),), (6, 8): ((12, 8),), (9, 8): ()}


# -- pieces -------------------------------------------------------------------------------

def _beats(seconds: float, tempos: list[tuple[float, float]]) -> float:
    """Seconds -> beats under a tempo map [(time_s, qpm)] (the first at 0)."""
    beats, last_time, last_qpm = 0.0, 0.0, tempos[0][1]
    for time, qpm in tempos[1:]:
        if time >= seconds:
            break
        beats += (time - last_time) * last_qpm / 60
        last_time, last_qpm = time, qpm
    return beats + (seconds - last_time) * last_qpm / 60


def piece_from_midi(path: str | os.PathLike, name: str) -> dict | None:
    """A cached piece: time signature and parts of [pitch, start, duration, velocity] (1/480
    beat); None when it holds no notes."""
    from serenade.base.midi_parser import midi_file_to_note_sequence

    sequence = midi_file_to_note_sequence(path)
    tempos = [(t.time, t.qpm) for t in sorted(sequence.tempos, key=lambda t: t.time)]
    if not tempos or tempos[0][0] > 0:
        tempos.insert(0, (0.0, 120.0))
    parts: dict[tuple, list] = {}
    for note in sequence.notes:
        if note.is_drum:
            continue
        start = round(_beats(note.start_time, tempos) * BEAT)
        end = round(_beats(note.end_time, tempos) * BEAT)
        parts.setdefault((note.instrument, note.program), []).append(
            [note.pitch, start, max(1, end - start), note.velocity or 90])
    if not parts:
        return None
    signature = sequence.time_signatures[0] if sequence.time_signatures else None
    ts = [signature.numerator, signature.denominator] if signature else [4, 4]
    return {"name": name, "ts": ts,
            "parts": [sorted(notes, key=lambda n: (n[1], n[0]))
                      for _, notes in sorted(parts.items())]}


def load_pieces(root: str | os.PathLike, selection: dict[str, int] = SELECTION,
                workers: int | None = None) -> list[dict]:
    """The pieces of `selection` ({corpus pattern: count}), exported once into root/music21
    and cached in root/pieces.json."""
    root = Path(root)
    cache = root / "pieces.json"
    key = json.dumps(selection, sort_keys=True)
    if cache.is_file():
        cached = json.loads(cache.read_text())
        if cached["selection"] == key:
            return cached["pieces"]
    from serenade.sources.music21_corpus import export_corpus

    pieces = []
    for pattern, count in selection.items():
        listing = export_corpus("scale", {"include": [pattern], "limit": count},
                                root / "music21", workers=workers)
        for entry in listing.files:
            piece = piece_from_midi(entry["file"], entry["path"])
            if piece is not None:
                pieces.append(piece)
    root.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"selection": key, "pieces": pieces}))
    return pieces


# -- writing MIDI -------------------------------------------------------------------------

def _vlq(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _meta(kind: int, data: bytes) -> bytes:
    return bytes((0xFF, kind)) + _vlq(len(data)) + data


def _tempo(qpm: float) -> bytes:
    return _meta(0x51, round(60e6 / qpm).to_bytes(3, "big"))


def _signature(ts: tuple[int, int]) -> bytes:
    return _meta(0x58, bytes((ts[0], ts[1].bit_length() - 1, 24, 8)))


def _track(events: list[tuple[int, int, bytes]], running_status: bool) -> bytes:
    """An MTrk chunk of (tick, order, message) events, sorted (note-offs first at a tick)."""
    out, now, status = bytearray(), 0, None
    for tick, _, message in sorted(events, key=lambda e: (e[0], e[1])):
        out += _vlq(tick - now)
        now = tick
        if running_status and message[0] < 0xF0 and message[0] == status:
            out += message[1:]
        else:
            out += message
        status = message[0] if message[0] < 0xF0 else None
    out += b"\x00\xff\x2f\x00"
    return b"MTrk" + struct.pack(">I", len(out)) + bytes(out)


def midi_bytes(tracks: Sequence[list], resolution: int, *, running_status: bool = False) -> bytes:
    """A Standard MIDI File: format 0 for one track, else format 1."""
    header = b"MThd" + struct.pack(">IHHH", 6, 0 if len(tracks) == 1 else 1, len(tracks),
                                   resolution)
    return header + b"".join(_track(events, running_status) for events in tracks)


# -- one file -----------------------------------------------------------------------------

def _notes(events: list, notes, channel: int, tick, off_as_on: bool) -> None:
    for pitch, start, duration, velocity in notes:
        on = tick(start)
        events.append((on, 1, bytes((0x90 | channel, pitch, velocity))))
        off = bytes((0x90 | channel, pitch, 0)) if off_as_on else bytes((0x80 | channel, pitch, 64))
        events.append((max(on + 1, tick(start + duration)), 0, off))


def _drums(bars: int, bar: int, ts: tuple[int, int], rng: random.Random) -> list:
    """A kick/snare/hi-hat groove in the time signature (compound metres in dotted beats)."""
    compound = ts[1] == 8 and ts[0] % 3 == 0
    beat = BEAT * 4 // ts[1] * (3 if compound else 1)
    beats = bar // beat
    notes = [[49, 0, BEAT // 2, 100]]
    for b in range(bars):
        for k in range(beats):
            at = b * bar + k * beat
            hit = 36 if k % 2 == 0 or beats == 3 and k == 0 else 38
            notes.append([hit, at, BEAT // 4, 100 - 8 * (k % 2) + rng.randint(-6, 6)])
            for half in range(2 if not compound else 3):
                hat = at + half * beat // (2 if not compound else 3)
                notes.append([42, hat, BEAT // 8, 70 + rng.randint(-10, 10)])
    return notes


def _bass(part: list, bar: int) -> list:
    """One held note a bar: the bar's lowest pitch, in the bass register."""
    lowest: dict[int, int] = {}
    for pitch, start, _, _ in part:
        lowest[start // bar] = min(lowest.get(start // bar, 127), pitch)
    out = []
    for index, pitch in sorted(lowest.items()):
        while pitch > 52:
            pitch -= 12
        out.append([max(pitch, 28), index * bar, bar - BEAT // 8, 88])
    return out


def _fit(pitch: int) -> int:
    while pitch > 108:
        pitch -= 12
    while pitch < 21:
        pitch += 12
    return pitch


def variation(pieces: Sequence[dict], seed: int, index: int) -> bytes:
    """The valid MIDI file `index` of `seed`."""
    rng = random.Random(f"variation/{VERSION}/{seed}/{index}")
    piece = pieces[rng.randrange(len(pieces))]
    shift, resolution = rng.randint(-6, 6), rng.choice(RESOLUTIONS)
    ts = tuple(piece["ts"])
    if REGROUPED.get(ts) and rng.random() < 0.3:
        ts = rng.choice(REGROUPED[ts])
    bar = BEAT * 4 * ts[0] // ts[1]
    length = max(n[1] + n[2] for part in piece["parts"] for n in part)
    repeats = rng.choice((1, 1, 2, 3))
    span = -(-length // bar) * bar
    parts = [[[_fit(p + shift), s + r * span, d, max(1, min(127, v + rng.randint(-12, 12)))]
              for r in range(repeats) for p, s, d, v in part] for part in piece["parts"]]
    bars = span * repeats // bar
    layout = rng.choice(("ensemble", "ensemble", "merged", "doubled", "bass"))
    if len(parts) == 1 and layout == "ensemble":
        layout = "bass"
    if layout == "merged":
        voices = [(sorted((n for part in parts for n in part), key=lambda n: n[1]),
                   rng.choice(MELODY))]
    else:
        ensemble = rng.choice(ENSEMBLES)
        voices = [(part, ensemble[k % 4] if len(parts) > 1 else rng.choice(MELODY))
                  for k, part in enumerate(parts)]
        if layout == "doubled":
            doubled = [[_fit(p + 12), s, d, v] for p, s, d, v in parts[0]]
            voices.append((doubled, rng.choice(MELODY)))
        elif layout == "bass":
            voices.append((_bass(parts[-1], bar), rng.choice(BASS)))
    scale = resolution / BEAT
    tick = lambda t: round(t * scale)  # noqa: E731
    conductor = [(0, 0, _signature(ts)), (0, 0, _tempo(rng.uniform(60, 180)))]
    if rng.random() < 0.3:  # a tempo change mid-piece
        qpm = rng.uniform(50, 200)
        conductor.append((tick(bars // 2 * bar), 0, _tempo(qpm)))
    if rng.random() < 0.1 and REGROUPED.get(ts):  # one bar in another metre, then back
        other = rng.choice(REGROUPED[ts])
        at = bars // 2 * bar
        conductor.append((tick(at), 0, _signature(other)))
        conductor.append((tick(at + BEAT * 4 * other[0] // other[1]), 0, _signature(ts)))
    off_as_on = rng.random() < 0.5
    tracks = [conductor]
    for channel, (notes, program) in enumerate(voices):
        channel += channel >= 9  # channel 10 is the drums'
        events = [(0, 0, _meta(0x03, f"{piece['name']} {channel + 1}".encode())),
                  (0, 0, bytes((0xC0 | channel, program)))]
        _notes(events, notes, channel, tick, off_as_on)
        tracks.append(events)
    if rng.random() < 0.3:
        events = [(0, 0, _meta(0x03, b"Drums")), (0, 0, b"\xc9\x00")]
        _notes(events, _drums(bars, bar, ts, rng), 9, tick, off_as_on)
        tracks.append(events)
    if rng.random() < 0.2:  # format 0: everything on one track
        tracks = [[event for events in tracks for event in events]]
    return midi_bytes(tracks, resolution, running_status=rng.random() < 0.5)


def broken(kind: str, valid: bytes, rng: random.Random) -> bytes:
    """A broken file of `kind` made from a valid one (each kind fails to parse)."""
    first_track = 14  # the header chunk is 14 bytes
    if kind == "empty":
        return b""
    if kind == "truncated":  # a download cut short inside the first track
        return valid[:rng.randint(first_track + 8, first_track + 8 + min(200, len(valid) // 2))]
    if kind == "garbage":
        return rng.randbytes(rng.randint(16, 4096))
    if kind == "html":
        page = (b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body><p>The "
                b"requested file %s was not found.</p></body></html>\n")
        return page % valid[-12:].hex().encode()
    if kind == "riff":  # RIFF MIDI (.rmi) saved as .mid
        return (b"RIFF" + struct.pack("<I", len(valid) + 12) + b"RMIDdata"
                + struct.pack("<I", len(valid)) + valid)
    if kind == "bad_header":  # a header chunk whose length field says 0
        return valid[:4] + struct.pack(">I", 0) + valid[8:]
    if kind == "long_chunk":  # the first track chunk claims more bytes than the file holds
        length = struct.unpack(">I", valid[first_track + 4:first_track + 8])[0]
        return (valid[:first_track + 4] + struct.pack(">I", len(valid) + length + 1000)
                + valid[first_track + 8:])
    if kind == "short_chunk":  # ... or fewer: the rest of the track is read as a chunk
        return (valid[:first_track + 4] + struct.pack(">I", rng.randint(3, 9))
                + valid[first_track + 8:])
    if kind == "no_notes":  # only tempo and metre
        resolution = struct.unpack(">H", valid[12:14])[0]
        return midi_bytes([[(0, 0, _tempo(rng.uniform(60, 180)))], [(0, 0, _meta(0x03, b"Empty"))]],
                          resolution)
    raise ValueError(f"unknown broken kind {kind!r}")


def plan(seed: int, index: int, shares: tuple[float, float] = SHARES) -> tuple[str, int]:
    """(kind, copied index): 'valid', a broken kind, or 'duplicate' of an earlier file;
    `shares`: the chances of broken and duplicate."""
    rng = random.Random(f"plan/{VERSION}/{seed}/{index}")
    draw = rng.random()
    if draw < shares[0]:
        return BROKEN_KINDS[rng.randrange(len(BROKEN_KINDS))], -1
    if draw < shares[0] + shares[1] and index > 0:
        return "duplicate", rng.randrange(index)
    return "valid", -1


def file_bytes(pieces: Sequence[dict], seed: int, index: int,
               shares: tuple[float, float] = SHARES) -> tuple[str, bytes]:
    """(kind, bytes) of file `index`; a duplicate has the bytes of the file it copies."""
    kind, copied = plan(seed, index, shares)
    if kind == "duplicate":
        return kind, file_bytes(pieces, seed, copied, shares)[1]
    valid = variation(pieces, seed, index)
    if kind == "valid":
        return kind, valid
    return kind, broken(kind, valid, random.Random(f"broken/{VERSION}/{seed}/{index}"))


def file_name(seed: int, index: int) -> str:
    """Lakh-like: the first two hex digits as folders."""
    digest = hashlib.md5(f"{seed}/{index}".encode()).hexdigest()
    return f"{digest[0]}/{digest[1]}/{digest}.mid"


# -- a folder -----------------------------------------------------------------------------

_PIECES: list[dict] = []  # set before the pool forks


def _write_chunk(job: tuple[str, int, int, int, tuple]) -> list[dict]:
    folder, seed, start, stop, shares = job
    rows = []
    for index in range(start, stop):
        kind, data = file_bytes(_PIECES, seed, index, shares)
        name = file_name(seed, index)
        path = Path(folder) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        rows.append({"path": name, "index": index, "kind": kind, "size_bytes": len(data),
                     "sha256": hashlib.sha256(data).hexdigest()})
    return rows


def expected_statuses(rows: list[dict]) -> None:
    """Add each row's manifest status: valid files `ok`, broken ones `invalid`, and, in path
    order, every later file with the same content `duplicate` (the manifest's rule)."""
    content = {row["sha256"]: "ok" if row["kind"] == "valid" else "invalid"
               for row in rows if row["kind"] != "duplicate"}  # a copy's is its original's
    seen = set()
    for row in sorted(rows, key=lambda r: r["path"]):
        row["status"] = "duplicate" if row["sha256"] in seen else content[row["sha256"]]
        seen.add(row["sha256"])


def make_folder(folder: str | os.PathLike, count: int, pieces: list[dict], *, seed: int = 0,
                shares: tuple[float, float] = SHARES, workers: int | None = None,
                chunk: int = 250) -> list[dict]:
    """Write `count` files into `folder` and `truth.csv` beside it; returns the truth rows.
    A folder already made with the same seed, count and version is kept as it is."""
    global _PIECES
    folder = Path(folder)
    truth = folder.with_name(folder.name + ".truth.csv")
    stamp = folder.with_name(folder.name + ".done.json")
    key = {"seed": seed, "count": count, "version": VERSION, "shares": list(shares),
           "pieces": hashlib.sha256(json.dumps(pieces).encode()).hexdigest()}
    if (stamp.is_file() and json.loads(stamp.read_text()) == key and truth.is_file()
            and folder.is_dir()):
        with open(truth, newline="") as handle:
            return list(csv.DictReader(handle))
    _PIECES = pieces
    shutil.rmtree(folder, ignore_errors=True)
    jobs = [(str(folder), seed, start, min(count, start + chunk), tuple(shares))
            for start in range(0, count, chunk)]
    rows = [row for part in ordered_map(_write_chunk, jobs, workers=workers) for row in part]
    expected_statuses(rows)
    with open(truth, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    stamp.write_text(json.dumps(key))
    return rows
