"""Downloads and archive extraction against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import socket
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from hostile import (MAX_MEMBER_BYTES, hostile_tar, hostile_zip, patch_zip, tar_bytes, tune_bytes,
                     zip_bytes)
from serenade.sources.archives import ArchiveError, ArchiveLimits, extract_archive, unpack_archive
from serenade.sources.download import DownloadError, DownloadSettings, download, fetch_url_source
from serenade.sources.listing import Listing

from testing.music_files import simple_tune, write_raw_midi

FAST = DownloadSettings(timeout_s=5, max_bytes=10_000_000, retries=3, backoff_s=0.01)
LIMITS = ArchiveLimits(max_member_bytes=MAX_MEMBER_BYTES)
LONG_NAME = "N" * 252 + ".mid"


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
def tunes() -> list[bytes]:
    return tune_bytes(8)


@pytest.fixture(scope="module")
def server(midi_bytes, tunes):
    """Serves fixed bodies by path; /flaky* fail with 500 on the first request; /loop* redirect
    to themselves; the hostile archives' expected outcomes are in `outcomes`."""
    a, b = midi_bytes["a"], midi_bytes["b"]
    hostile = {"hostile.zip": hostile_zip(tunes), "hostile.tar.gz": hostile_tar(tunes)}
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
        "/" + LONG_NAME: a,
        **{f"/{name}": data for name, (data, _) in hostile.items()},
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
            if self.path.startswith("/loop"):
                self.send_response(302)
                self.send_header("Location", self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
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
    yield {"url": f"http://127.0.0.1:{httpd.server_address[1]}", "hits": hits,
           "outcomes": {name: outcomes for name, (_, outcomes) in hostile.items()}}
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


def test_truncated_body_never_looks_complete(server, midi_bytes, tmp_path):
    with pytest.raises(DownloadError, match=r"truncated|interrupted") as error:
        download(server["url"] + "/truncated.mid", tmp_path, settings=FAST)
    # the bytes that did arrive are counted, not "after 0 bytes"
    size = len(midi_bytes["a"])
    assert f"after {size} of {size + 500} bytes" in str(error.value)
    assert list(tmp_path.iterdir()) == []  # neither truncated.mid nor a .part file
    assert server["hits"]["/truncated.mid"] == FAST.retries + 1


def test_size_cap(server, tmp_path):
    tiny = DownloadSettings(timeout_s=5, max_bytes=100, retries=0, backoff_s=0)
    with pytest.raises(DownloadError, match="max_bytes"):
        download(server["url"] + "/tune.mid", tmp_path, settings=tiny)
    assert list(tmp_path.iterdir()) == []


def test_connection_refused_is_retried_then_reported(tmp_path):
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
    listing = fetch_url_source("one", server["url"] + "/tune.mid", tmp_path, settings=FAST)
    listing.write(tmp_path / "download.json")
    again = Listing.read(tmp_path / "download.json")
    assert again == listing and again.files[0]["path"] == "tune.mid"
    assert json.loads((tmp_path / "download.json").read_text())["source"] == "one"


def _member(entry: dict) -> str:
    return entry["path"].split("!", 1)[1]


@pytest.mark.parametrize("name", ["hostile.zip", "hostile.tar.gz"])
def test_every_member_of_a_hostile_archive_is_accounted_for(server, tunes, tmp_path, name):
    raw = tmp_path / "raw"
    listing = fetch_url_source("h", f"{server['url']}/{name}", raw, settings=FAST, limits=LIMITS)
    outcomes = server["outcomes"][name]
    members = [_member(entry) for entry in listing.files + listing.failed + listing.skipped]
    assert sorted(members) == sorted(outcomes)  # each member once, under its own display name
    for entry in listing.files:  # extracted: a good tune, or MIDI that parsing will refuse
        outcome = outcomes[_member(entry)]
        assert outcome.status == "ok" or outcome.word == "cannot parse", entry
    for entry in listing.failed:
        outcome = outcomes[_member(entry)]
        assert outcome.status == "invalid" and outcome.word in entry["reason"], entry
    for entry in listing.skipped:
        assert outcomes[_member(entry)].status == "skipped"
    # every good tune kept under its own file, with its own bytes
    good = [Path(entry["file"]).read_bytes() for entry in listing.files
            if outcomes[_member(entry)].status == "ok"]
    expected_tunes = 8 if name.endswith(".zip") else 6
    assert sorted(good) == sorted(tunes[:expected_tunes])
    assert all(raw / "files" in Path(entry["file"]).parents for entry in listing.files)
    assert not any(p.is_symlink() for p in tmp_path.rglob("*"))
    assert {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*")} == {"raw"}
    # the listing (names with undecodable bytes included) is written and read back intact
    listing.write(raw / "download.json")
    assert Listing.read(raw / "download.json") == listing
    assert not list(raw.glob("*.tmp"))


def test_zip_members_python_cannot_read_are_invalid_entries(tunes, tmp_path):
    data = zip_bytes([("good.mid", tunes[0]), ("secret.mid", tunes[1]), ("d64.mid", tunes[2])])
    data = patch_zip(patch_zip(data, "secret.mid", flag_bits=0x1), "d64.mid", method=9)
    (tmp_path / "x.zip").write_bytes(data)
    listing = Listing("x")
    extract_archive(tmp_path / "x.zip", tmp_path / "out", listing)
    assert [Path(entry["file"]).read_bytes() for entry in listing.files] == [tunes[0]]
    assert listing.failed == [
        {"path": "x.zip!secret.mid", "reason": "cannot extract: encrypted (needs a password)"},
        {"path": "x.zip!d64.mid",
         "reason": "cannot extract: compression method 9 (deflate64) is not supported"}]


def test_tar_member_name_that_is_not_utf8_is_kept(tunes, tmp_path):
    (tmp_path / "x.tar.gz").write_bytes(tar_bytes([(b"caf\xe9 \x01.mid", tunes[0]), ("ok.mid", tunes[1])]))
    listing = Listing("x")
    extract_archive(tmp_path / "x.tar.gz", tmp_path / "out", listing)
    assert [entry["path"] for entry in listing.files] == ["x.tar.gz!caf\\xe9 \\x01.mid", "x.tar.gz!ok.mid"]
    assert Path(listing.files[0]["file"]).read_bytes() == tunes[0]
    listing.write(tmp_path / "listing.json")
    assert Listing.read(tmp_path / "listing.json") == listing
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_the_same_member_name_twice_keeps_both_tunes(tunes, tmp_path, kind):
    from serenade.data.convert import convert_source
    from serenade.data.manifest import assemble_manifest

    members = [("same.mid", tunes[0]), ("same.mid", tunes[1]), ("./same.mid", tunes[2]),
               ("Same.MID", tunes[3])]
    archive = tmp_path / f"dup.{kind}"
    archive.write_bytes(zip_bytes(members) if kind == "zip" else tar_bytes(members))
    listing = Listing("dup")
    extract_archive(archive, tmp_path / "out", listing)
    assert [_member(entry) for entry in listing.files] == ["same.mid", "same.mid#2", "./same.mid", "Same.MID"]
    assert [Path(entry["file"]).read_bytes() for entry in listing.files] == tunes[:4]
    assert len({entry["file"].casefold() for entry in listing.files}) == 4
    frame = convert_source("dup", [(entry["path"], entry["file"]) for entry in listing.files], [],
                           rows_path=tmp_path / "rows.csv", records_path=tmp_path / "r.tfrecord")
    manifest = assemble_manifest([frame], [{"name": "dup"}], eval_fraction=0.0, train_shards=1,
                                 eval_shards=1)
    assert list(manifest["status"]) == ["ok"] * 4
    assert len(set(manifest["sha256"])) == 4


def test_one_bad_member_does_not_cost_the_archive(tunes, tmp_path):
    members = [("a.mid", tunes[0]), ("L" * 300 + ".mid", tunes[1]), ("badcrc.mid", tunes[2]),
               ("x.mid", tunes[3]), ("x.mid/y.mid", tunes[4]), ("huge.mid", bytes(MAX_MEMBER_BYTES + 1)),
               ("deep/" * 60 + "z.mid", tunes[5]), ("b.mid", tunes[6])]
    (tmp_path / "x.zip").write_bytes(patch_zip(zip_bytes(members), "badcrc.mid", flip_data=True))
    listing = Listing("x")
    extract_archive(tmp_path / "x.zip", tmp_path / "out", listing, LIMITS)
    kept = {_member(entry): Path(entry["file"]).read_bytes() for entry in listing.files}
    assert kept == {"a.mid": tunes[0], "L" * 300 + ".mid": tunes[1], "x.mid": tunes[3],
                    "x.mid/y.mid": tunes[4], "deep/" * 60 + "z.mid": tunes[5], "b.mid": tunes[6]}
    reasons = {_member(entry): entry["reason"] for entry in listing.failed}
    assert set(reasons) == {"badcrc.mid", "huge.mid"}
    assert "Bad CRC-32" in reasons["badcrc.mid"] and "max_member_bytes" in reasons["huge.mid"]
    assert all(len(part.encode()) <= 255 for entry in listing.files for part in Path(entry["file"]).parts)


def test_a_damaged_tar_keeps_the_members_before_the_break(tunes, tmp_path):
    whole = tar_bytes([("a.mid", tunes[0]), ("b.mid", tunes[1]), ("pad.mid", bytes(range(256)) * 400),
                       ("c.mid", tunes[2])])
    archive = tmp_path / "cut.tar.gz"
    archive.write_bytes(whole[: len(whole) * 2 // 3])
    listing = Listing("src")
    extract_archive(archive, tmp_path / "out", listing, LIMITS)
    assert [_member(entry) for entry in listing.files] == ["a.mid", "b.mid"]
    assert [Path(entry["file"]).read_bytes() for entry in listing.files] == tunes[:2]
    failed = {entry["path"]: entry for entry in listing.failed}
    assert set(failed) == {"cut.tar.gz!pad.mid", "cut.tar.gz"}  # the member cut in half, the rest
    assert "damaged after member 3" in failed["cut.tar.gz"]["reason"]
    assert failed["cut.tar.gz"]["file"] == str(archive)  # kept aside by the quarantine


def test_a_zip_bomb_is_rejected_before_anything_is_written(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for index in range(4):
            bundle.writestr(f"bomb{index}.mid", bytes(3_000_000))
    (tmp_path / "bomb.zip").write_bytes(buffer.getvalue())
    assert len(buffer.getvalue()) < 50_000
    with pytest.raises(ArchiveError, match="declares 12000000 bytes.*max_unpacked_bytes = 5000000"):
        extract_archive(tmp_path / "bomb.zip", tmp_path / "out", Listing("x"),
                        ArchiveLimits(max_unpacked_bytes=5_000_000, max_member_bytes=4_000_000))
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]


def test_a_tar_bomb_stops_at_the_cap(tmp_path):
    (tmp_path / "bomb.tar.gz").write_bytes(tar_bytes([(f"bomb{i}.mid", bytes(3_000_000)) for i in range(4)]))
    with pytest.raises(ArchiveError, match="unpacks to more than .*max_unpacked_bytes = 5000000"):
        extract_archive(tmp_path / "bomb.tar.gz", tmp_path / "out", Listing("x"),
                        ArchiveLimits(max_unpacked_bytes=5_000_000, max_member_bytes=4_000_000))
    written = sum(p.stat().st_size for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert written <= 5_000_000
    # through a source the bomb is one invalid entry and nothing extracted stays behind
    listing = Listing("x")
    unpack_archive(tmp_path / "bomb.tar.gz", tmp_path / "raw" / "files", listing,
                   ArchiveLimits(max_unpacked_bytes=5_000_000, max_member_bytes=4_000_000))
    assert [entry["path"] for entry in listing.failed] == ["bomb.tar.gz"] and listing.files == []
    assert not (tmp_path / "raw" / "files").exists()


def test_redirect_loop_is_one_clear_error_and_leaves_nothing(server, tmp_path):
    url = server["url"] + "/loop.zip"
    with pytest.raises(DownloadError) as error:
        fetch_url_source("loop", url, tmp_path / "raw" / "loop", settings=FAST)
    assert str(error.value).startswith(url + ": too many redirects")
    assert server["hits"]["/loop.zip"] <= 31  # not retried
    assert not (tmp_path / "raw" / "loop").exists()


def test_failed_download_leaves_no_folder_behind(server, tmp_path):
    with pytest.raises(DownloadError, match="404"):
        fetch_url_source("gone", server["url"] + "/gone.zip", tmp_path / "gone", settings=FAST)
    assert not (tmp_path / "gone").exists()


def test_a_252_character_file_name_downloads(server, midi_bytes, tmp_path):
    listing = fetch_url_source("long", f"{server['url']}/{LONG_NAME}", tmp_path, settings=FAST)
    (entry,) = listing.files
    assert Path(entry["file"]).read_bytes() == midi_bytes["a"]
    assert len(Path(entry["file"]).name.encode()) <= 255 and Path(entry["file"]).suffix == ".mid"
    assert not list(tmp_path.rglob("*.part"))
