"""Hostile archives for tests, built for real: good tunes next to every kind of bad member the
extractor must survive, with the outcome each member must get.

Bad members are crafted the way they occur in the wild: flag bits and compression method ids
patched into real zip headers, names written as raw non-UTF-8 bytes, the same name written
twice, a byte flipped under a stored member's CRC.
"""

from __future__ import annotations

import io
import struct
import tarfile
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from testing.music_files import simple_tune, write_raw_midi


# Members larger than this are over the cap in tests (config `data.archives.max_member_bytes`).
MAX_MEMBER_BYTES = 20_000


@dataclass(frozen=True)
class Outcome:
    """What must become of a member: `ok`/`invalid` (a manifest row) or `skipped`, and a word
    the reason must hold."""

    status: str
    word: str = ""


def tune_bytes(count: int, *, first_pitch: int = 40) -> list[bytes]:
    """`count` distinct, valid MIDI files (mido-written), as bytes."""

    with tempfile.TemporaryDirectory() as folder:
        paths = [write_raw_midi(Path(folder) / f"t{i}.mid", simple_tune(2 + i % 3, first_pitch=first_pitch + i))
                 for i in range(count)]
        return [path.read_bytes() for path in paths]


def zip_bytes(members: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    """A zip of `members` in order; a name may repeat. Members are stored (not compressed), so a
    flipped data byte shows up as a CRC error."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": wanted here
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as bundle:
            for name, data in members:
                bundle.writestr(name, data)
    return buffer.getvalue()


def patch_zip(data: bytes, name: str, *, flag_bits: int = 0, method: int | None = None,
              flip_data: bool = False) -> bytes:
    """Rewrite member `name` (unique) of a zip in its local and central headers: OR in
    `flag_bits` (1 = encrypted), set the compression `method` id (9 = deflate64), or flip the
    first byte of its data (a bad CRC)."""
    data = bytearray(data)
    encoded = name.encode()
    end = data.rfind(b"PK\x05\x06")
    position = struct.unpack_from("<I", data, end + 16)[0]
    found = False
    while data[position:position + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, position + 28)
        if bytes(data[position + 46:position + 46 + name_length]) == encoded:
            local = struct.unpack_from("<I", data, position + 42)[0]
            for header, flags_at in ((position, 8), (local, 6)):
                flags = struct.unpack_from("<H", data, header + flags_at)[0]
                struct.pack_into("<H", data, header + flags_at, flags | flag_bits)
                if method is not None:
                    struct.pack_into("<H", data, header + flags_at + 2, method)
            if flip_data:
                local_name, local_extra = struct.unpack_from("<HH", data, local + 26)
                data[local + 30 + local_name + local_extra] ^= 0xFF
            found = True
        position += 46 + name_length + extra_length + comment_length
    if not found:
        raise KeyError(f"no member {name!r}")
    return bytes(data)


def tar_bytes(members: list[tuple[str | bytes, bytes] | tarfile.TarInfo], *,
              compression: str = "gz") -> bytes:
    """A tar of `members` (names as text or raw bytes, which may be non-UTF-8; TarInfo for
    links and special files), in GNU format so that raw names stay raw."""
    buffer = io.BytesIO()
    mode = f"w:{compression}" if compression else "w"
    with tarfile.open(fileobj=buffer, mode=mode, format=tarfile.GNU_FORMAT,
                      encoding="utf-8", errors="surrogateescape") as bundle:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                bundle.addfile(member)
                continue
            name, payload = member
            if isinstance(name, bytes):
                name = name.decode("utf-8", "surrogateescape")
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            bundle.addfile(info, io.BytesIO(payload))
    return buffer.getvalue()


def _special(name: str, kind: bytes, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


def hostile_zip(tunes: list[bytes]) -> tuple[bytes, dict[str, Outcome]]:
    """A zip of 8 good tunes (`tunes[0:8]`) and every kind of bad member; returns its bytes and
    {member as the listing shows it: Outcome}."""
    broken = tunes[0][: len(tunes[0]) // 2]
    members = [
        ("good/a.mid", tunes[0]),
        ("same.mid", tunes[1]), ("same.mid", tunes[2]), ("./same.mid", tunes[3]), ("SAME.MID", tunes[4]),
        ("L" * 300 + ".mid", tunes[5]),
        ("clash.mid", tunes[6]), ("clash.mid/inner.mid", tunes[7]),
        ("secret.mid", tunes[0]), ("deflate64.mid", tunes[1]), ("badcrc.mid", tunes[2]),
        ("../escape.mid", tunes[3]),
        ("huge.mid", bytes(MAX_MEMBER_BYTES + 1)),
        ("broken.mid", broken),
        ("notes.txt", b"liner notes"),
    ]
    data = zip_bytes(members)
    data = patch_zip(data, "secret.mid", flag_bits=0x1)
    data = patch_zip(data, "deflate64.mid", method=9)
    data = patch_zip(data, "badcrc.mid", flip_data=True)
    data = _add_zip_symlink(data, "link.mid", "/etc/passwd")
    outcomes = {
        "good/a.mid": Outcome("ok"), "same.mid": Outcome("ok"), "same.mid#2": Outcome("ok"),
        "./same.mid": Outcome("ok"), "SAME.MID": Outcome("ok"), "L" * 300 + ".mid": Outcome("ok"),
        "clash.mid": Outcome("ok"), "clash.mid/inner.mid": Outcome("ok"),
        "secret.mid": Outcome("invalid", "encrypted"),
        "deflate64.mid": Outcome("invalid", "deflate64"),
        "badcrc.mid": Outcome("invalid", "CRC"),
        "../escape.mid": Outcome("invalid", "'..'"),
        "huge.mid": Outcome("invalid", "max_member_bytes"),
        "broken.mid": Outcome("invalid", "cannot parse"),
        "notes.txt": Outcome("skipped", "not a .mid"),
        "link.mid": Outcome("invalid", "symbolic link"),
    }
    return data, outcomes


def _add_zip_symlink(data: bytes, name: str, target: str) -> bytes:
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as bundle:
        info = zipfile.ZipInfo(name)
        info.external_attr = 0o120777 << 16
        bundle.writestr(info, target)
    return buffer.getvalue()


def hostile_tar(tunes: list[bytes]) -> tuple[bytes, dict[str, Outcome]]:
    """A .tar.gz of 6 good tunes (`tunes[0:6]`) and bad members; like `hostile_zip`."""
    members = [
        (b"caf\xe9.mid", tunes[0]),  # latin-1, not UTF-8
        ("dup.mid", tunes[1]), ("dup.mid", tunes[2]),
        ("T" * 300 + ".mid", tunes[3]),
        ("clash.mid", tunes[4]), ("clash.mid/inner.mid", tunes[5]),
        _special("fifo.mid", tarfile.FIFOTYPE),
        _special("hard.mid", tarfile.LNKTYPE, "dup.mid"),
        _special("soft.mid", tarfile.SYMTYPE, "/etc/passwd"),
        ("/abs.mid", tunes[0]),
        ("huge.mid", bytes(MAX_MEMBER_BYTES + 1)),
    ]
    outcomes = {
        "caf\\xe9.mid": Outcome("ok"), "dup.mid": Outcome("ok"), "dup.mid#2": Outcome("ok"),
        "T" * 300 + ".mid": Outcome("ok"), "clash.mid": Outcome("ok"),
        "clash.mid/inner.mid": Outcome("ok"),
        "fifo.mid": Outcome("invalid", "special file"),
        "hard.mid": Outcome("invalid", "hard link"),
        "soft.mid": Outcome("invalid", "symbolic link"),
        "/abs.mid": Outcome("invalid", "absolute"),
        "huge.mid": Outcome("invalid", "max_member_bytes"),
    }
    return tar_bytes(members), outcomes
