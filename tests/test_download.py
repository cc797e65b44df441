"""Downloads and archive extraction against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from serenade.sources.archives import ArchiveLimits
from serenade.sources.download import DownloadError, DownloadSettings, download, fetch_url_source
from serenade.testing import simple_tune, write_raw_midi

FAST = DownloadSettings(timeout_s=5, max_bytes=10_000_000, retries=3, backoff_s=0.01)


def _tar(members: list[tarfile.TarInfo | tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as bundle:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                bundle.addfile(member)
            else:
                name, data = member
                info = tarfile.TarInfo(name)
                info.size = len(data)
                bundle.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _zip(members: list[tuple[str, bytes]], symlink: tuple[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in members:
            bundle.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink[0])
            info.external_attr = (0o120777 << 16)
            bundle.writestr(info, symlink[1])
    return buffer.getvalue()


@pytest.fixture(scope="module")
def midi_bytes(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("midi")
    return {
        "a": write_raw_midi(folder / "a.mid", simple_tune(4)).read_bytes(),
        "b": write_raw_midi(folder / "b.mid", simple_tune(2, first_pitch=67)).read_bytes(),
    }


@pytest.fixture(scope="module")
def server(midi_bytes):
    """Serves fixed bodies by path; /flaky* fail with 500 on the first request."""
    a, b = midi_bytes["a"], midi_bytes["b"]
    symlink = tarfile.TarInfo("tunes/link.mid")
    symlink.type, symlink.linkname = tarfile.SYMTYPE, "/etc/passwd"
    routes = {
        "/tune.mid": a,
        "/flaky.mid": a,
        "/tunes.zip": _zip([("tunes/a.mid", a), ("tunes/deep/b.MIDI", b), ("README.txt", b"hello")]),
        "/tunes.tar.gz": _tar([("tunes/a.mid", a), ("tunes/notes.pdf", b"%PDF"), ("b.mid", b)]),
        "/evil.tar.gz": _tar([("../escape.mid", a), ("/abs.mid", b), ("ok/a.mid", a)]),
        "/links.tar.gz": _tar([symlink, ("ok/b.mid", b)]),
        "/evil.zip": _zip([("../../escape.mid", a), ("fine.mid", b)], symlink=("ln.mid", "/etc/passwd")),
        "/many.zip": _zip([(f"t{i}.mid", a) for i in range(30)]),
        "/corrupt.zip": b"PK\x03\x04 this is not really a zip file",
    }
    hits: dict[str, int] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            hits[self.path] = hits.get(self.path, 0) + 1
            if self.path.startswith("/flaky") and hits[self.path] == 1:
                self.send_error(500, "try again")
                return
            if self.path == "/always500.mid":
                self.send_error(503, "down")
                return
            if self.path == "/truncated.mid":
                self.send_response(200)
                self.send_header("Content-Length", str(len(a) + 500))
                self.end_headers()
                self.wfile.write(a)
                self.wfile.flush()
                self.close_connection = True
                return
            body = routes.get(self.path)
            if body is None:
                self.send_error(404, "no such file")
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{httpd.server_address[1]}", "hits": hits}
    httpd.shutdown()
    httpd.server_close()


def test_download_midi_with_checksum(server, midi_bytes, tmp_path):
    expected = hashlib.sha256(midi_bytes["a"]).hexdigest()
    path = download(server["url"] + "/tune.mid", tmp_path, sha256=expected, settings=FAST)
    assert path.read_bytes() == midi_bytes["a"]
    assert not list(tmp_path.glob("*.part"))
    # Present with the right checksum: reused without another request.
    before = server["hits"]["/tune.mid"]
    download(server["url"] + "/tune.mid", tmp_path, sha256=expected, settings=FAST)
    assert server["hits"]["/tune.mid"] == before


def test_404_names_url_and_status_without_retrying(server, tmp_path):
    with pytest.raises(DownloadError) as error:
        download(server["url"] + "/missing.mid", tmp_path, settings=FAST)
    assert "/missing.mid" in str(error.value) and "404" in str(error.value)
    assert server["hits"]["/missing.mid"] == 1
    assert not any(tmp_path.iterdir()) or not list(tmp_path.glob("missing*"))


def test_500_then_200_is_retried(server, midi_bytes, tmp_path):
    path = download(server["url"] + "/flaky.mid", tmp_path, settings=FAST)
    assert path.read_bytes() == midi_bytes["a"]
    assert server["hits"]["/flaky.mid"] == 2


def test_persistent_5xx_gives_up_after_retries(server, tmp_path):
    with pytest.raises(DownloadError, match=r"503.*gave up after 4 attempts"):
        download(server["url"] + "/always500.mid", tmp_path, settings=FAST)
    assert server["hits"]["/always500.mid"] == 4


def test_checksum_mismatch_leaves_nothing(server, tmp_path):
    with pytest.raises(DownloadError, match="sha256 mismatch"):
        download(server["url"] + "/tune.mid", tmp_path, sha256="0" * 64, settings=FAST)
    assert list(tmp_path.iterdir()) == []


def test_truncated_body_never_looks_complete(server, tmp_path):
    with pytest.raises(DownloadError, match=r"truncated|interrupted"):
        download(server["url"] + "/truncated.mid", tmp_path, settings=FAST)
    assert list(tmp_path.iterdir()) == []  # neither truncated.mid nor a .part file
    assert server["hits"]["/truncated.mid"] == FAST.retries + 1


def test_size_cap(server, tmp_path):
    tiny = DownloadSettings(timeout_s=5, max_bytes=100, retries=0, backoff_s=0)
    with pytest.raises(DownloadError, match="max_bytes"):
        download(server["url"] + "/tune.mid", tmp_path, settings=tiny)
    assert list(tmp_path.iterdir()) == []


def test_connection_refused_is_retried_then_reported(tmp_path):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = DownloadSettings(timeout_s=2, max_bytes=1000, retries=1, backoff_s=0.01)
    with pytest.raises(DownloadError, match="connection failed.*gave up after 2 attempts"):
        download(f"http://127.0.0.1:{port}/x.mid", tmp_path, settings=settings)


@pytest.mark.parametrize("name", ["tunes.zip", "tunes.tar.gz"])
def test_archive_source_lists_midi_and_reports_the_rest(server, midi_bytes, tmp_path, name):
    listing = fetch_url_source("arch", f"{server['url']}/{name}", tmp_path, settings=FAST)
    files = {entry["path"]: Path(entry["file"]) for entry in listing.files}
    if name == "tunes.zip":
        assert set(files) == {"tunes.zip!tunes/a.mid", "tunes.zip!tunes/deep/b.MIDI"}
        assert [entry["path"] for entry in listing.skipped] == ["tunes.zip!README.txt"]
    else:
        assert set(files) == {"tunes.tar.gz!tunes/a.mid", "tunes.tar.gz!b.mid"}
        assert [entry["path"] for entry in listing.skipped] == ["tunes.tar.gz!tunes/notes.pdf"]
    assert all(path.is_file() and tmp_path in path.parents for path in files.values())
    assert listing.failed == []
    assert sorted(path.read_bytes() for path in files.values()) == sorted(midi_bytes.values())


def test_archive_with_parent_and_absolute_members(server, tmp_path):
    target = tmp_path / "raw"
    listing = fetch_url_source("evil", server["url"] + "/evil.tar.gz", target, settings=FAST)
    assert [entry["path"] for entry in listing.files] == ["evil.tar.gz!ok/a.mid"]
    reasons = {entry["path"]: entry["reason"] for entry in listing.failed}
    assert "'..'" in reasons["evil.tar.gz!../escape.mid"]
    assert "absolute" in reasons["evil.tar.gz!/abs.mid"]
    assert not (tmp_path / "escape.mid").exists() and not (target / "escape.mid").exists()
    assert {p.name for p in tmp_path.rglob("*.mid")} == {"a.mid"}


def test_archive_with_symlinks(server, tmp_path):
    listing = fetch_url_source("links", server["url"] + "/links.tar.gz", tmp_path, settings=FAST)
    assert [entry["path"] for entry in listing.files] == ["links.tar.gz!ok/b.mid"]
    assert listing.failed == [{"path": "links.tar.gz!tunes/link.mid",
                               "reason": "unsafe archive member refused: symbolic link"}]
    assert not any(p.is_symlink() for p in tmp_path.rglob("*"))

    listing = fetch_url_source("evilzip", server["url"] + "/evil.zip", tmp_path / "z", settings=FAST)
    assert [entry["path"] for entry in listing.files] == ["evil.zip!fine.mid"]
    reasons = {entry["path"]: entry["reason"] for entry in listing.failed}
    assert "symbolic link" in reasons["evil.zip!ln.mid"] and "'..'" in reasons["evil.zip!../../escape.mid"]


def test_archive_caps(server, tmp_path):
    from serenade.sources.archives import ArchiveError, extract_archive
    from serenade.sources.listing import Listing

    path = download(server["url"] + "/many.zip", tmp_path / "dl", settings=FAST)
    with pytest.raises(ArchiveError, match="max_members"):
        extract_archive(path, tmp_path / "a", Listing("x"), ArchiveLimits(max_members=10))
    with pytest.raises(ArchiveError, match="max_unpacked_bytes"):
        extract_archive(path, tmp_path / "b", Listing("x"), ArchiveLimits(max_unpacked_bytes=2000))
    assert not list((tmp_path / "b").rglob("*.part"))
    # Through a source: the whole archive becomes one invalid entry, nothing extracted.
    listing = fetch_url_source("many", server["url"] + "/many.zip", tmp_path / "c", settings=FAST,
                               limits=ArchiveLimits(max_members=10))
    assert listing.files == [] and not (tmp_path / "c" / "files").exists()
    assert listing.failed[0]["path"] == "many.zip" and "max_members" in listing.failed[0]["reason"]
    assert Path(listing.failed[0]["file"]).is_file()  # kept, so the quarantine can copy it


def test_corrupt_archive_is_an_invalid_entry(server, tmp_path):
    listing = fetch_url_source("bad", server["url"] + "/corrupt.zip", tmp_path, settings=FAST)
    assert listing.files == []
    assert "cannot read archive" in listing.failed[0]["reason"]


def test_listing_round_trip(server, tmp_path):
    from serenade.sources.listing import Listing

    listing = fetch_url_source("one", server["url"] + "/tune.mid", tmp_path, settings=FAST)
    listing.write(tmp_path / "download.json")
    again = Listing.read(tmp_path / "download.json")
    assert again == listing and again.files[0]["path"] == "tune.mid"
    assert json.loads((tmp_path / "download.json").read_text())["source"] == "one"
