"""The player page: every generated piece's piano roll, played in the browser, offline."""

from __future__ import annotations

import base64
import os

import numpy as np
import pytest

from chromium import chromium_evaluate, find_chromium
from serenade.base.midi_parser import read_midi
from serenade.generation.player_page import find_pieces, write_player_page
from serenade.generation.writing import RenderSettings, write_piece
from serenade.melody.configs import MEL_2BAR
from serenade.paths import MAGENTA_FIXTURES

from testing.fixtures import npz_arrays

# Every piece rendered offline by the page's own player: its length and loudness; the rolls.
PROBE = """(async () => {
  const rendered = [];
  for (let i = 0; i < serenadePlayer.pieces.length; i++) {
    const buffer = await serenadePlayer.render(i);
    const data = buffer.getChannelData(0);
    const peak = data.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    rendered.push({seconds: buffer.duration, peak});
  }
  return {rendered, rolls: [...document.querySelectorAll('figure svg rect.note')].length,
          headings: [...document.querySelectorAll('h2')].map(h => h.textContent),
          captions: [...document.querySelectorAll('figcaption')].map(f => f.textContent),
          links: [...document.querySelectorAll('figure a')].map(a => a.getAttribute('href'))};
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


@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    """A generated folder with every kind of piece, written in the opposite order to the
    page's, and a 20-bar journey, longer than the window is wide."""
    root = tmp_path_factory.mktemp("everything")
    windows = npz_arrays(MAGENTA_FIXTURES / "cat-mel_2bar_small" / "expected.npz")
    settings = RenderSettings(audio=False)
    walk = windows["interp_1_3_greedy"]
    write_piece(windows["case1_greedy_from_mu"], MEL_2BAR, root / "attributes" / "calmer.mid",
                qpm=120, settings=settings)
    write_piece(np.concatenate([walk, walk]), MEL_2BAR, root / "journeys" / "tour" / "journey.mid",
                qpm=120, settings=settings)
    write_piece(walk, MEL_2BAR, root / "interpolations" / "reel" / "interpolation.mid", qpm=120,
                settings=settings)
    for i, key in enumerate(("case1_greedy_from_mu", "case3_greedy_from_mu")):
        write_piece(windows[key], MEL_2BAR, root / "samples" / "t0.5" / f"sample-00{i}.mid",
                    qpm=120, settings=settings)
    page = root / "player.html"
    write_player_page(root, page, "Generated music of fixture")
    return page


# The page as laid out in an 800-pixel window: headings, and per roll its axis labels, bar
# numbers, how wide it is against its scroll box, and whether its last note can be scrolled to.
LAYOUT = """(async () => {
  const rolls = [...document.querySelectorAll('figure.piece')].map(figure => {
    const box = figure.querySelector('.scroll'), svg = box.querySelector('svg.roll');
    const notes = [...svg.querySelectorAll('rect.note')];
    box.scrollLeft = box.scrollWidth;
    const last = notes[notes.length - 1].getBoundingClientRect(), seen = box.getBoundingClientRect();
    return {name: figure.querySelector('figcaption').textContent,
            pitches: [...figure.querySelectorAll('.pitch-axis text')].map(t => t.textContent),
            bars: [...svg.querySelectorAll('text.bar-number')].map(t => t.textContent),
            svgWidth: svg.getBoundingClientRect().width, widthAttr: +svg.getAttribute('width'),
            scrollWidth: box.scrollWidth, clientWidth: box.clientWidth,
            lastNoteVisible: last.right <= seen.right + 1 && last.left >= seen.left - 1};
  });
  return {headings: [...document.querySelectorAll('h2')].map(h => h.textContent), rolls,
          pageWidth: document.documentElement.scrollWidth, window: innerWidth};
})()"""


def test_samples_come_first_then_interpolations_journeys_attributes(everything):
    assert [(p.group, p.name) for p in find_pieces(everything.parent)] == [
        ("samples/t0.5", "sample-000"), ("samples/t0.5", "sample-001"),
        ("interpolations/reel", "interpolation"), ("journeys/tour", "journey"),
        ("attributes", "calmer")]


def test_rolls_scroll_sideways_with_pitch_and_bar_axes_in_chromium(everything):
    _chromium_or_skip()
    found = chromium_evaluate(everything.as_uri(), LAYOUT, timeout=120)
    assert found["headings"] == ["samples/t0.5", "interpolations/reel", "journeys/tour",
                                 "attributes"]
    rolls = {roll["name"]: roll for roll in found["rolls"]}
    journey = rolls["journey"]
    assert journey["bars"] == [str(bar) for bar in range(1, 21)]  # 10 windows of 2 bars
    assert journey["svgWidth"] == journey["widthAttr"] > found["window"]  # drawn whole ...
    assert journey["scrollWidth"] > journey["clientWidth"]  # ... in a box that scrolls
    assert journey["lastNoteVisible"]
    assert found["pageWidth"] <= found["window"]  # the page itself never scrolls sideways
    for roll in found["rolls"]:
        assert any(p[0] == "C" for p in roll["pitches"]), roll  # every C and G, named
        assert all(p[0] in "CG" and p[-1].isdigit() for p in roll["pitches"]), roll
        assert roll["bars"][:2] == ["1", "2"], roll


def test_pieces_are_every_rendered_midi(generated):
    pieces = find_pieces(generated)
    assert [(p.group, p.name) for p in pieces] == [
        ("samples/t0.5", "sample-000"), ("samples/t0.5", "sample-001"),
        ("interpolations/reel", "interpolation")]
    assert all(p.midi.is_file() and p.wav.is_file() for p in pieces)


def _chromium_or_skip():
    if find_chromium() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Chromium (installed by .ci/run)")
        pytest.skip("Chromium not installed")


def test_player_page_plays_offline_in_chromium(generated):
    _chromium_or_skip()
    page = generated / "player.html"
    assert write_player_page(generated, page, "Generated music of fixture") == 3
    text = page.read_text()
    assert "http:" not in text and "https:" not in text and "data:" not in text
    assert len(text) < 60_000  # notes, not audio: small enough for the report's iframe
    found = chromium_evaluate(page.as_uri(), PROBE, timeout=120)
    assert found["headings"] == ["samples/t0.5", "interpolations/reel"]
    assert found["captions"] == ["sample-000", "sample-001", "interpolation"]
    assert found["links"] == ["samples/t0.5/sample-000.wav", "samples/t0.5/sample-001.wav",
                              "interpolations/reel/interpolation.wav"]
    assert all((generated / link).is_file() for link in found["links"])
    pieces = find_pieces(generated)
    ends = [max(n.end_time for n in read_midi(p.midi).notes) for p in pieces]
    assert [r["seconds"] for r in found["rendered"]] == pytest.approx(
        [end + 0.6 for end in ends], abs=0.01)
    assert all(0.05 < r["peak"] <= 1 for r in found["rendered"])
    assert found["rolls"] == sum(len(read_midi(p.midi).notes) for p in pieces)


def test_player_page_plays_inside_a_data_url_iframe_as_the_report_shows_it(generated):
    """Snakemake's single-file report shows an HTML result in an iframe from a data: URL."""
    _chromium_or_skip()
    page = generated / "player.html"
    write_player_page(generated, page, "Generated music of fixture")
    body = page.read_bytes().replace(b"</body>", b"<script>serenadePlayer.render(0).then("
                                     b"b => parent.postMessage(b.duration, '*'))</script></body>")
    uri = "data:text/html;base64," + base64.b64encode(body).decode()
    outer = generated / "outer.html"
    outer.write_text("<!doctype html><script>window.got = [];"
                     "addEventListener('message', e => got.push(e.data));</script>"
                     f'<iframe src="{uri}"></iframe>')
    found = chromium_evaluate(outer.as_uri(), "(async () => { for (let i = 0; i < 100 && "
                              "!got.length; i++) await new Promise(r => setTimeout(r, 100));"
                              " return got; })()", timeout=60)
    assert len(found) == 1 and np.isfinite(found[0]) and found[0] > 1


def test_with_audio_off_the_page_still_plays_every_piece(tmp_path):
    windows = npz_arrays(MAGENTA_FIXTURES / "cat-mel_2bar_small" / "expected.npz")
    write_piece(windows["case1_greedy_from_mu"], MEL_2BAR, tmp_path / "samples" / "sample-000.mid",
                qpm=120, settings=RenderSettings(audio=False))
    (tmp_path / "inputs.mid").write_bytes(b"")  # a MIDI without a piano roll is no piece
    pieces = find_pieces(tmp_path)
    assert [(p.group, p.name, p.wav) for p in pieces] == [("samples", "sample-000", None)]
    page = tmp_path / "player.html"
    assert write_player_page(tmp_path, page, "no audio") == 1
    text = page.read_text()
    assert text.count("<svg class=\"roll\"") == 1 and "serenadePlayer.play(0)" in text
    assert "<a href" not in text and "WAV" not in text
