"""Safe extraction of .zip and .tar.gz/.tgz archives of MIDI files.

Refused members (reported with a reason, never written): absolute paths, `..` components,
symbolic or hard links, devices and other special files. Members that are not MIDI are skipped
and reported. The member count and the total unpacked size are capped; an archive over a cap is
rejected as a whole. Sizes are counted while copying, so a lying header cannot get past a cap.
"""

from __future__ import annotations

import os
import stat
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from serenade.sources import is_midi_name
from serenade.sources.listing import Listing

ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz")
CHUNK = 1 << 16


class ArchiveError(RuntimeError):
    """The archive as a whole cannot be used (corrupt, or over a cap)."""


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int = 100_000
    max_unpacked_bytes: int = 4 << 30
    max_member_bytes: int = 64 << 20

    @classmethod
    def from_config(cls, archives: dict) -> "ArchiveLimits":
        return cls(**{k: archives[k] for k in ("max_members", "max_unpacked_bytes", "max_member_bytes") if k in archives})


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def unsafe_reason(name: str) -> str:
    """Why a member name may not be written under the destination ('' when it is fine)."""
    if not name:
        return "empty member name"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if ".." in parts:
        return "path contains '..'"
    if "\0" in name:
        return "NUL character in name"
    return ""


def extract_archive(archive: str | os.PathLike, destination: str | os.PathLike,
                    listing: Listing, limits: ArchiveLimits = ArchiveLimits()) -> None:
    """Extract the MIDI members of `archive` under `destination`, recording each in `listing`."""
    archive = Path(archive)
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    lower = archive.name.lower()
    try:
        if lower.endswith(".zip"):
            _extract_zip(archive, destination, listing, limits)
        elif lower.endswith((".tar.gz", ".tgz")):
            _extract_tar(archive, destination, listing, limits)
        else:
            raise ArchiveError(f"{archive.name}: not a .zip, .tar.gz or .tgz archive")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as error:
        raise ArchiveError(f"{archive.name}: cannot read archive ({type(error).__name__}: {error})") from None


class _Budget:
    def __init__(self, archive: Path, limits: ArchiveLimits):
        self.archive, self.limits, self.total = archive, limits, 0

    def copy(self, source, target: Path, member: str) -> None:
        """Stream `source` into `target` (via a temporary name), enforcing the size caps."""
        written = 0
        partial = target.with_name(target.name + ".part")
        try:
            with open(partial, "wb") as out:
                for chunk in iter(lambda: source.read(CHUNK), b""):
                    written += len(chunk)
                    self.total += len(chunk)
                    if written > self.limits.max_member_bytes:
                        raise ArchiveError(f"{self.archive.name}!{member}: larger than "
                                           f"data.archives.max_member_bytes = {self.limits.max_member_bytes}")
                    if self.total > self.limits.max_unpacked_bytes:
                        raise ArchiveError(f"{self.archive.name}: unpacks to more than "
                                           f"data.archives.max_unpacked_bytes = {self.limits.max_unpacked_bytes}")
                    out.write(chunk)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)


def _check_count(archive: Path, count: int, limits: ArchiveLimits) -> None:
    if count > limits.max_members:
        raise ArchiveError(f"{archive.name}: {count} members, more than "
                           f"data.archives.max_members = {limits.max_members}")


def _target(destination: Path, name: str) -> Path:
    target = destination.joinpath(*PurePosixPath(name.replace("\\", "/")).parts)
    # Belt and braces: the resolved target must stay inside the destination.
    if not str(target.resolve()).startswith(str(destination.resolve()) + os.sep):
        raise ArchiveError(f"member {name!r} escapes the destination")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _extract_zip(archive: Path, destination: Path, listing: Listing, limits: ArchiveLimits) -> None:
    budget = _Budget(archive, limits)
    with zipfile.ZipFile(archive) as bundle:
        members = bundle.infolist()
        _check_count(archive, len(members), limits)
        for info in members:
            name = info.filename
            display = f"{archive.name}!{name}"
            if info.is_dir():
                continue
            mode = info.external_attr >> 16
            reason = unsafe_reason(name)
            file_type = stat.S_IFMT(mode)  # 0 when the archiver stored no Unix mode
            if not reason and file_type and file_type != stat.S_IFREG:
                reason = "symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
            if reason:
                listing.add_failed(display, f"unsafe archive member refused: {reason}")
            elif not is_midi_name(name):
                listing.add_skipped(display, "not a .mid/.midi file")
            else:
                target = _target(destination, name)
                with bundle.open(info) as source:
                    budget.copy(source, target, name)
                listing.add_file(display, target)


def _extract_tar(archive: Path, destination: Path, listing: Listing, limits: ArchiveLimits) -> None:
    budget = _Budget(archive, limits)
    with tarfile.open(archive, mode="r:gz") as bundle:
        count = 0
        for info in bundle:  # streamed: the count cap applies before reading everything
            count += 1
            _check_count(archive, count, limits)
            name = info.name
            display = f"{archive.name}!{name}"
            if info.isdir():
                continue
            reason = unsafe_reason(name)
            if not reason:
                if info.issym() or info.islnk():
                    reason = "symbolic link" if info.issym() else "hard link"
                elif info.isdev() or not info.isfile():
                    reason = "device or special file"
            if reason:
                listing.add_failed(display, f"unsafe archive member refused: {reason}")
            elif not is_midi_name(name):
                listing.add_skipped(display, "not a .mid/.midi file")
            else:
                source = bundle.extractfile(info)
                target = _target(destination, name)
                with source:
                    budget.copy(source, target, name)
                listing.add_file(display, target)
