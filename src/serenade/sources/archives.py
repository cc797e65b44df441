"""Safe extraction of .zip and tar archives (.tar.gz/.tgz sources, .tar checkpoint bundles).

Every member ends up in exactly one place of the listing, so nothing is lost silently:
- extracted (`files`), under a safe, distinct name (see `names.DistinctPaths`): a name seen
  twice, a name too long for the file system or a file/folder clash still gets its own file,
  hashed later from its own bytes;
- refused or unreadable (`failed`, with the reason): absolute paths, `..`, links, devices and
  other special files; encrypted members, compression methods Python cannot read, bad CRCs,
  damaged data; members larger than `max_member_bytes`. One bad member never costs the others;
- not wanted (`skipped`): e.g. members that are not MIDI.

The member count and the total unpacked size are capped; an archive over either cap is rejected
as a whole (ArchiveError): that is what a zip bomb looks like, and no part of it is trusted.
Sizes are counted while copying, so a lying header cannot get past a cap; a zip's declared
sizes are checked before anything is written. An archive whose container cannot be read at all
is rejected too; one that breaks part way (a truncated .tar.gz) keeps the members before the
break and reports the rest as one failed entry for the archive.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from serenade.config_schema import defaults_of
from serenade.errors import one_line
from serenade.sources import is_midi_name
from serenade.sources.listing import Listing
from serenade.sources.names import DistinctPaths, printable

ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz")
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
CHUNK = 1 << 16
_DEFAULTS = defaults_of("data.archives")  # the schema is the one source of these defaults
_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


class ArchiveError(RuntimeError):
    """The archive as a whole cannot be used (unreadable, or over a cap)."""


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int = _DEFAULTS["max_members"]
    max_unpacked_bytes: int = _DEFAULTS["max_unpacked_bytes"]
    max_member_bytes: int = _DEFAULTS["max_member_bytes"]
    # Where these caps are set, for messages ("" when they are not user settings).
    setting: str = "data.archives"

    @classmethod
    def from_config(cls, archives: dict) -> "ArchiveLimits":
        """From the validated `data.archives` section."""
        keys = ("max_members", "max_unpacked_bytes", "max_member_bytes")
        return cls(**{key: archives[key] for key in keys})

    def describe(self, key: str) -> str:
        value = getattr(self, key)
        return f"{self.setting}.{key} = {value}" if self.setting else f"the cap of {value}"


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def unsafe_reason(name: str) -> str:
    """Why a member name may not be written under the destination ('' when it is fine)."""
    if not name:
        return "empty member name"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if ".." in name.replace("\\", "/").split("/"):
        return "path contains '..'"
    if "\0" in name:
        return "NUL character in name"
    return ""


@dataclass
class _Member:
    """One archive member, whatever the format."""

    name: str
    kind: str  # file, dir, symlink, hardlink, special
    size: int  # as declared by the archive
    open: Callable[[], IO[bytes]]
    problem: str = ""  # known before reading: encrypted, unsupported compression


_REFUSED_KINDS = {"symlink": "symbolic link", "hardlink": "hard link",
                  "special": "device or special file"}


class _MemberFailed(Exception):
    """This member cannot be extracted; the others carry on."""


def extract_archive(archive: str | os.PathLike, destination: str | os.PathLike,
                    listing: Listing, limits: ArchiveLimits = ArchiveLimits(), *,
                    wanted: Callable[[str], bool] = is_midi_name,
                    unwanted_reason: str = "not a .mid/.midi file") -> None:
    """Extract the members of `archive` that `wanted` accepts under `destination`, recording
    every member in `listing` (see the module docstring). Raises ArchiveError when the archive
    as a whole cannot be used."""
    archive, destination = Path(archive), Path(destination)
    lower = archive.name.lower()
    if lower.endswith(".zip"):
        reader = _zip_members
    elif lower.endswith(TAR_SUFFIXES):
        reader = _tar_members
    else:
        raise ArchiveError(f"{archive.name}: not a .zip or .tar(.gz) archive")
    destination.mkdir(parents=True, exist_ok=True)
    extraction = _Extraction(archive, destination, listing, limits, wanted, unwanted_reason)
    members = reader(archive, extraction)
    try:
        while True:
            try:
                member = next(members)
            except StopIteration:
                break
            except ArchiveError:
                raise
            except Exception as error:  # the container itself is damaged: any library error
                extraction.container_failed(error)
                break
            extraction.add(member)
    finally:
        members.close()


class _Extraction:
    """One extraction in progress: where each member goes, and the running counts for the caps."""

    def __init__(self, archive: Path, destination: Path, listing: Listing, limits: ArchiveLimits,
                 wanted: Callable[[str], bool], unwanted_reason: str):
        self.archive, self.destination, self.listing, self.limits = archive, destination, listing, limits
        self.wanted, self.unwanted_reason = wanted, unwanted_reason
        self.paths = DistinctPaths()
        self.count = 0
        self.total = 0
        self.root = str(destination.resolve()) + os.sep

    def check_count(self, count: int) -> None:
        if count > self.limits.max_members:
            raise ArchiveError(f"{self.archive.name}: {count} members, more than "
                               f"{self.limits.describe('max_members')}")

    def unsafe(self, member: _Member) -> str:
        """Why `member` may not be written at all ('' when it is safe)."""
        reason = unsafe_reason(member.name) or _REFUSED_KINDS.get(member.kind, "")
        return f"unsafe archive member refused: {reason}" if reason else ""

    def unreadable(self, member: _Member) -> str:
        """Why a wanted, safe `member` cannot be extracted, known before reading it."""
        if member.problem:
            return f"cannot extract: {member.problem}"
        if member.size > self.limits.max_member_bytes:
            return self._too_large()
        return ""

    def will_extract(self, member: _Member) -> bool:
        return (member.kind == "file" and not self.unsafe(member) and self.wanted(member.name)
                and not self.unreadable(member))

    def check_declared_total(self, members: list[_Member]) -> None:
        """Reject before writing anything when the declared sizes already exceed the cap."""
        declared = sum(member.size for member in members if self.will_extract(member))
        if declared > self.limits.max_unpacked_bytes:
            raise self._over_total(f"declares {declared} bytes of members, more than")

    def add(self, member: _Member) -> None:
        self.count += 1
        self.check_count(self.count)
        if member.kind == "dir":
            return
        display = f"{self.archive.name}!{printable(member.name)}"
        reason = self.unsafe(member)
        if not reason and not self.wanted(member.name):
            self.listing.add_skipped(display, self.unwanted_reason)
            return
        reason = reason or self.unreadable(member)
        if reason:
            self.listing.add_failed(display, reason)
            return
        if self.total + member.size > self.limits.max_unpacked_bytes:
            raise self._over_total("unpacks to more than")
        target = self.destination / self.paths.allocate(member.name)
        if not str(target.resolve()).startswith(self.root):  # belt and braces
            raise ArchiveError(f"member {printable(member.name)!r} escapes the destination")
        try:
            self._copy(member, target)
        except _MemberFailed as error:
            target.unlink(missing_ok=True)
            self.listing.add_failed(display, str(error))
            return
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        self.listing.add_file(display, target)

    def _copy(self, member: _Member, target: Path) -> None:
        """Stream the member into `target`, enforcing the caps. Reading problems are the
        member's (_MemberFailed); writing problems (disk full) stop the extraction."""
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            source = member.open()
        except Exception as error:
            raise _MemberFailed(f"cannot extract: {one_line(error, with_type=True)}") from None
        written = 0
        with source, open(target, "wb") as out:
            while True:
                try:
                    chunk = source.read(CHUNK)
                except Exception as error:
                    raise _MemberFailed(f"cannot extract: {one_line(error, with_type=True)}") from None
                if not chunk:
                    break
                written += len(chunk)
                self.total += len(chunk)
                if self.total > self.limits.max_unpacked_bytes:
                    raise self._over_total("unpacks to more than")
                if written > self.limits.max_member_bytes:
                    raise _MemberFailed(self._too_large())
                out.write(chunk)

    def container_failed(self, error: Exception) -> None:
        """The container broke: reject the archive, or keep what came before the break."""
        reason = one_line(error, with_type=True)
        if not self.count:
            raise ArchiveError(f"{self.archive.name}: cannot read archive ({reason})")
        self.listing.add_failed(self.archive.name, f"the archive is damaged after member {self.count}: "
                                f"the rest cannot be read ({reason}); the members before were used",
                                file=self.archive)

    def _too_large(self) -> str:
        return f"larger than {self.limits.describe('max_member_bytes')}: not extracted"

    def _over_total(self, what: str) -> ArchiveError:
        return ArchiveError(f"{self.archive.name}: {what} "
                            f"{self.limits.describe('max_unpacked_bytes')} (rejected as a whole: "
                            "this is what a zip bomb looks like)")


def _zip_members(archive: Path, extraction: _Extraction) -> Iterator[_Member]:
    with zipfile.ZipFile(archive) as bundle:
        infos = bundle.infolist()
        extraction.check_count(len(infos))
        members = [_zip_member(bundle, info) for info in infos]
        extraction.check_declared_total(members)
        yield from members


def _zip_member(bundle: zipfile.ZipFile, info: zipfile.ZipInfo) -> _Member:
    mode = info.external_attr >> 16
    file_type = stat.S_IFMT(mode)  # 0 when the archiver stored no Unix mode
    if info.is_dir():
        kind = "dir"
    elif not file_type or file_type == stat.S_IFREG:
        kind = "file"
    else:
        kind = "symlink" if stat.S_ISLNK(mode) else "special"
    problem = ""
    if info.flag_bits & 0x1:
        problem = "encrypted (needs a password)"
    elif info.compress_type not in _ZIP_METHODS:
        method = zipfile.compressor_names.get(info.compress_type, "unknown")
        problem = f"compression method {info.compress_type} ({method}) is not supported"
    return _Member(info.filename, kind, info.file_size, lambda: bundle.open(info), problem)


def _tar_members(archive: Path, extraction: _Extraction) -> Iterator[_Member]:
    with tarfile.open(archive, mode="r:*") as bundle:
        for info in bundle:  # streamed: the count cap applies before reading everything
            if info.isdir():
                kind = "dir"
            elif info.issym() or info.islnk():
                kind = "symlink" if info.issym() else "hardlink"
            elif info.isfile():
                kind = "file"
            else:
                kind = "special"
            yield _Member(info.name, kind, info.size, lambda info=info: bundle.extractfile(info))



def unpack_archive(archive: str | os.PathLike, destination: str | os.PathLike, listing: Listing,
                   limits: ArchiveLimits = ArchiveLimits()) -> None:
    """Extract a source's archive into a fresh `destination` and list its members; an archive
    that cannot be used as a whole becomes one failed entry (the archive itself, kept so that
    the quarantine can copy it) instead of stopping the workflow. Whatever happens, no half
    extracted folder is left behind."""
    archive, destination = Path(archive), Path(destination)
    shutil.rmtree(destination, ignore_errors=True)  # no stale members from an older archive
    try:
        extract_archive(archive, destination, listing, limits)
    except ArchiveError as error:
        shutil.rmtree(destination, ignore_errors=True)
        listing.clear()
        listing.add_failed(archive.name, str(error), file=archive)
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)
        raise
