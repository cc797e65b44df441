"""Download one URL into a folder, robustly.

Retries with exponential backoff on connection errors, timeouts, truncated bodies and 5xx
statuses; fails at once on 4xx, redirect loops and other request errors, naming the URL and the
reason. The body is written to a temporary `.part` name, checked (length, size cap, optional
SHA-256) and only then renamed, so a partial download never looks complete.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import requests

from serenade.config_schema import defaults_of
from serenade.errors import UserError
from serenade.sources.archives import ArchiveLimits, is_archive_name, unpack_archive
from serenade.sources.digest import sha256_of
from serenade.sources.listing import Listing
from serenade.sources.names import safe_component

log = logging.getLogger(__name__)

CHUNK = 1 << 16
_DEFAULTS = defaults_of("data.download")  # the schema is the one source of these defaults


class DownloadError(UserError):
    """A download failed for good; the message names the URL and the reason."""


class _Retryable(Exception):
    pass


@dataclass(frozen=True)
class DownloadSettings:
    timeout_s: float = _DEFAULTS["timeout_s"]
    max_bytes: int = _DEFAULTS["max_bytes"]
    retries: int = _DEFAULTS["retries"]
    backoff_s: float = _DEFAULTS["backoff_s"]

    @classmethod
    def from_config(cls, download: dict) -> "DownloadSettings":
        """From the validated `data.download` section."""
        keys = ("timeout_s", "max_bytes", "retries", "backoff_s")
        return cls(**{key: download[key] for key in keys})


def file_name_for(url: str) -> str:
    """The file name a URL is saved under (its last path segment, unquoted, made safe)."""
    name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1],
                                errors="surrogateescape")
    return safe_component(name) if name.strip(" .") else "download"


def download(url: str, folder: str | os.PathLike, *, sha256: str = "",
             settings: DownloadSettings = DownloadSettings(),
             session: requests.Session | None = None) -> Path:
    """Fetch `url` into `folder` and return the final path.

    An existing file with the expected `sha256` is reused without a request.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file_name_for(url)
    expected = sha256.lower()
    if expected and target.exists() and sha256_of(target) == expected:
        log.info("%s: already downloaded to %s (sha256 matches)", url, target)
        return target
    partial = target.with_name(target.name + ".part")
    session = session or requests.Session()
    delay = settings.backoff_s
    attempts = settings.retries + 1
    for attempt in range(1, attempts + 1):
        try:
            digest = _fetch_once(session, url, partial, settings)
            break
        except _Retryable as error:
            partial.unlink(missing_ok=True)
            if attempt == attempts:
                raise DownloadError(f"{url}: {error} (gave up after {attempts} attempts)") from None
            log.warning("%s: %s; retry %d/%d in %.1f s", url, error, attempt, settings.retries, delay)
            time.sleep(delay)
            delay *= 2
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    if expected and digest != expected:
        partial.unlink(missing_ok=True)
        raise DownloadError(f"{url}: sha256 mismatch: expected {expected}, got {digest}")
    os.replace(partial, target)
    log.info("%s: saved %s (%d bytes, sha256 %s)", url, target, target.stat().st_size, digest)
    return target


def _fetch_once(session: requests.Session, url: str, partial: Path, settings: DownloadSettings) -> str:
    """One attempt: stream the body into `partial`; return its sha256. Raises _Retryable."""
    try:
        response = session.get(url, stream=True, timeout=settings.timeout_s)
    except (requests.ConnectionError, requests.Timeout) as error:
        raise _Retryable(f"connection failed ({type(error).__name__}: {error})") from None
    except requests.TooManyRedirects:
        raise DownloadError(f"{url}: too many redirects (more than {session.max_redirects}; "
                            "the server redirects in a loop)") from None
    except requests.RequestException as error:  # a bad URL or redirect target: not transient
        raise DownloadError(f"{url}: {type(error).__name__}: {error}") from None
    with response:
        status = response.status_code
        if 500 <= status < 600:
            raise _Retryable(f"server error HTTP {status} {response.reason}")
        if 400 <= status < 500:
            raise DownloadError(f"{url}: HTTP {status} {response.reason}")
        if status != 200:
            raise DownloadError(f"{url}: unexpected HTTP {status} {response.reason}")
        declared = response.headers.get("Content-Length")
        declared = int(declared) if declared and declared.isdigit() else None
        if declared is not None and declared > settings.max_bytes:
            raise DownloadError(f"{url}: {declared} bytes is larger than the cap "
                                f"data.download.max_bytes = {settings.max_bytes}")
        digest = hashlib.sha256()
        received = 0
        try:
            with open(partial, "wb") as handle:
                for chunk in response.raw.stream(CHUNK, decode_content=True):
                    received += len(chunk)
                    if received > settings.max_bytes:
                        raise DownloadError(f"{url}: body exceeds the cap data.download.max_bytes = "
                                            f"{settings.max_bytes}")
                    digest.update(chunk)
                    handle.write(chunk)
        except DownloadError:
            raise
        except Exception as error:  # urllib3 ProtocolError/ReadTimeoutError: connection lost mid-body
            # Count what came over the wire: urllib3 buffers a short read before failing.
            arrived = max(received, _wire_bytes(response))
            of = f" of {declared}" if declared is not None else ""
            raise _Retryable(f"transfer interrupted after {arrived}{of} bytes "
                             f"({type(error).__name__}: {error})") from None
        if declared is not None and received < declared and not response.headers.get("Content-Encoding"):
            raise _Retryable(f"truncated body: got {received} of {declared} bytes")
    return digest.hexdigest()


def _wire_bytes(response: requests.Response) -> int:
    try:
        return int(response.raw.tell())
    except Exception:  # a transport without a byte count
        return 0


def fetch_url_source(name: str, url: str, folder: str | os.PathLike, *, sha256: str = "",
                     settings: DownloadSettings = DownloadSettings(), limits=None) -> "Listing":
    """Download a `url` source into `folder` (data/raw/{name}/) and list its MIDI files.

    A MIDI file is listed as is; an archive is extracted (safely) into `folder/files/` (see
    `archives.unpack_archive`). A failed download leaves no partial file and no empty folder.
    """
    folder = Path(folder)
    try:
        path = download(url, folder / "download", sha256=sha256, settings=settings)
    except BaseException:
        for empty in (folder / "download", folder):
            try:
                empty.rmdir()
            except OSError:  # not empty (an earlier download), or not there
                pass
        raise
    listing = Listing(source=name)
    if is_archive_name(path.name):
        unpack_archive(path, folder / "files", listing, limits or ArchiveLimits())
    else:
        listing.add_file(path.name, path)
    return listing
