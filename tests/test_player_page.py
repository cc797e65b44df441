"""The player page: every generated piece's piano roll and WAV, inlined, plays in Chromium."""

from __future__ import annotations

import os
import wave

import pytest

from chromium import chromium_evaluate, find_chromium
from serenade.generation.player_page import find_pieces, write_player_page
from serenade.generation.writing import RenderSettings, write_piece
from serenade.melody.configs import MEL_2BAR
from serenade.paths import MAGENTA_FIXTURES
from serenade.testing import npz_arrays

# Waits for every <audio> to be playable and every <img> to decode; their sizes and durations.
PROBE = """(async () => {
  const audio = await Promise.all([...document.querySelectorAll('audio')].map(a =>
    new Promise((resolve) => {
      const done = () => resolve({duration: a.duration, error: a.error && a.error.code});
      if (a.readyState >= 4) done();
      a.addEventListener('canplaythrough', done, {once: true});
      a.addEventListener('error', done, {once: true});
    })));
  const images = await Promise.all([...document.querySelectorAll('img')].map(async i => {
    await i.decode();
    return [i.naturalWidth, i.naturalHeight];
  }));
  return {audio, images, headings: [...document.querySelectorAll('h2')].map(h => h.textContent),
          captions: [...document.querySelectorAll('figcaption')].map(f => f.textContent)};
})()"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A model's generated folder: two samples and an interpolation, as generation writes them."""
    root = tmp_path_factory.mktemp("generated")
    windows = npz_arrays(MAGENTA_FIXTURES / "cat-mel_2bar_small" / "expected.npz")
    settings = RenderSettings(sample_rate=8000)
    for i, key in enumerate(("case1_greedy_from_mu", "case3_greedy_from_mu")):
        write_piece(windows[key], MEL_2BAR, root / "samples" / "t0.5" / f"sample-00{i}.mid",
                    qpm=120, settings=settings)
    write_piece(windows["interp_1_3_greedy"], MEL_2BAR,
                root / "interpolations" / "reel" / "interpolation.mid", qpm=120, settings=settings)
    return root


def _seconds(path) -> float:
    with wave.open(str(path)) as handle:
        return handle.getnframes() / handle.getframerate()


def test_pieces_are_every_wav_with_its_piano_roll(generated):
    pieces = find_pieces(generated)
    assert [(p.group, p.name) for p in pieces] == [
        ("interpolations/reel", "interpolation"), ("samples/t0.5", "sample-000"),
        ("samples/t0.5", "sample-001")]
    assert all(p.png is not None and p.png.suffix == ".png" for p in pieces)


def test_player_page_plays_offline_in_chromium(generated):
    if find_chromium() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Chromium (installed by .ci/run)")
        pytest.skip("Chromium not installed")
    page = generated / "player.html"
    assert write_player_page(generated, page, "Generated music of fixture") == 3
    text = page.read_text()
    assert "http:" not in text and "https:" not in text and "<script" not in text
    found = chromium_evaluate(page.as_uri(), PROBE, timeout=120)
    assert found["headings"] == ["interpolations/reel", "samples/t0.5"]
    assert found["captions"] == ["interpolation", "sample-000", "sample-001"]
    expected = [_seconds(p.wav) for p in find_pieces(generated)]
    assert [a["error"] for a in found["audio"]] == [None] * 3
    assert [a["duration"] for a in found["audio"]] == pytest.approx(expected, abs=0.05)
    assert all(d > 1 for d in expected)
    assert all(w > 100 and h > 50 for w, h in found["images"])
