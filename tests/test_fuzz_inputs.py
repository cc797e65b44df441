"""Random damage to real archives and the real MIDI in them: nothing raises, every input is
accounted for in the manifest rows, nothing is written outside the source's folder.

Bounded: at most CASES cases per archive kind and BUDGET_S seconds; seeded, so a failure
reproduces (the seed is in the assertion message).
"""

from __future__ import annotations

import gzip
import random
import time
from pathlib import Path

import pytest

from hostile import tar_bytes, zip_bytes
from serenade.data.convert import convert_source
from serenade.paths import MAGENTA_FIXTURES
from serenade.sources.archives import ArchiveLimits, unpack_archive
from serenade.sources.listing import Listing

CASES = 300
BUDGET_S = 20.0
LIMITS = ArchiveLimits(max_members=64, max_unpacked_bytes=2_000_000, max_member_bytes=200_000)


def _real_midi() -> list[bytes]:
    cases = sorted((MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases").glob("*.mid"))
    return [path.read_bytes() for path in cases[:5]]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """One or a few random edits: flipped bytes, a cut, a repeated or zeroed span, noise."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not data:
            break
        at = rng.randrange(len(data))
        span = rng.randint(1, 64)
        kind = rng.randrange(5)
        if kind == 0:
            data[at] ^= 1 << rng.randrange(8)
        elif kind == 1:
            del data[at:]
        elif kind == 2:
            data[at:at] = data[at:at + span]
        elif kind == 3:
            data[at:at + span] = bytes(len(data[at:at + span]))
        else:
            data[at:at] = rng.randbytes(span)
    return bytes(data)


def _archive(kind: str, midi: list[bytes], rng: random.Random) -> bytes:
    """An archive of real MIDI, some of it damaged, plus a repeated name, a `..` and a text
    file; then, in two cases out of three, damage to the container itself (for a .tar.gz,
    either to the compressed stream or to the tar inside it)."""
    members = [(f"tunes/{index}.mid", _mutate(data, rng) if rng.random() < 0.5 else data)
               for index, data in enumerate(midi)]
    members += [("tunes/0.mid", midi[1]), ("../up.mid", midi[2]), ("notes.txt", b"text")]
    damage = rng.randrange(3)
    if kind == "zip":
        data = zip_bytes(members)
        return _mutate(data, rng) if damage else data
    if damage == 1:
        return gzip.compress(_mutate(tar_bytes(members, compression=""), rng))
    data = tar_bytes(members)
    return _mutate(data, rng) if damage == 2 else data


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_damaged_archives_and_midi_never_escape_or_get_lost(kind, tmp_path):
    midi = _real_midi()
    incoming = tmp_path / "in"
    incoming.mkdir()
    started, done, parsed = time.monotonic(), 0, {"ok": 0, "invalid": 0}
    for seed in range(CASES):
        if time.monotonic() - started > BUDGET_S:
            break
        rng = random.Random(seed)
        archive = incoming / f"case{seed}.{kind}"
        archive.write_bytes(_archive(kind, midi, rng))
        folder = tmp_path / f"src{seed}"
        listing = Listing(f"s{seed}")
        unpack_archive(archive, folder / "files", listing, LIMITS)  # must not raise
        entries = listing.files + listing.failed + listing.skipped
        assert entries, f"seed {seed}: the archive left no trace"
        for entry in listing.files:
            assert folder / "files" in Path(entry["file"]).parents, f"seed {seed}: {entry}"
        listing.write(folder / "listing.json")
        files = [(entry["path"], entry["file"]) for entry in listing.files]
        frame = convert_source(listing.source, files, listing.failed, rows_path=folder / "rows.csv",
                               records_path=folder / "r.tfrecord")
        assert len(frame) == len(listing.files) + len(listing.failed), f"seed {seed}"
        assert frame["path"].is_unique, f"seed {seed}"
        assert set(frame["status"]) <= {"ok", "invalid"}, f"seed {seed}"
        assert (frame.loc[frame["status"] == "invalid", "reason"] != "").all(), f"seed {seed}"
        for status in parsed:
            parsed[status] += int((frame["status"] == status).sum())
        done += 1
    # nothing outside the sources' folders and the incoming archives, and no links anywhere
    outside = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*")}
    assert outside <= {"in"} | {f"src{seed}" for seed in range(CASES)}
    assert not any(p.is_symlink() for p in tmp_path.rglob("*"))
    assert done >= 30, f"only {done} cases in {BUDGET_S} s"
    assert min(parsed.values()) >= done // 2, parsed  # the MIDI reader saw good and damaged files
