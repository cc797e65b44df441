"""`serenade export-js` gives a model magenta.js plays in a browser, with our numbers.

Each case exports a magenta-made fixture checkpoint, serves the folder and @magenta/music's
bundle (installed with npm, pinned, cached under pytest's cache) from a loopback HTTP server,
and in headless Chromium loads `new mm.MusicVAE(url)`, encodes a fixture window given as a
quantized NoteSequence (so magenta.js's own data converter, from our config.json, builds the
input; with its chords as `chordProgression`, one per step, for the chord-conditioned config)
and decodes the result greedily (`decodeTensors` without a temperature takes the
argmax). magenta.js's `encode` returns the encoder's mu (it never samples z: `encodeTensors`
"uses the mean mu as the best estimate of z"), so it is compared with our mu; the greedy
events must be identical to ours (and to magenta's, recorded in the fixture). A GrooVAE
export decodes floats (hits, sigmoid velocities, tanh offsets): the hits must be identical and
the velocities and offsets within 1e-3.

Without npm or Chromium the test is skipped, except under CI=true (.ci/run installs them),
where that is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from chromium import chromium_evaluate, find_chromium
from serenade.chords.encoding import decode_chord
from serenade.cli import main
from serenade.conversion import controls as ctl
from serenade.melody.events import FIRST_NOTE_ON
from serenade.models.checkpoint import load_model
from serenade.paths import MAGENTA_FIXTURES
from serenade.registry import family_of

from testing.fixtures import PROJECT_MAGENTA_FIXTURES, npz_arrays
from testing.http_server import serve_bytes

MAGENTA_MUSIC = "1.23.1"  # @magenta/music on npm
BUNDLE = Path("node_modules/@magenta/music/dist/magentamusic.js")

# (fixture folder, config): magenta's checkpoints of every family magenta.js runs
CASES = [
    (MAGENTA_FIXTURES / "cat-mel_2bar_small", "cat-mel_2bar_small"),
    (PROJECT_MAGENTA_FIXTURES / "cat-drums_2bar_small-tiny", "cat-drums_2bar_small"),
    (PROJECT_MAGENTA_FIXTURES / "nade-drums_2bar_reduced-tiny", "nade-drums_2bar_reduced"),
    (PROJECT_MAGENTA_FIXTURES / "hier-mel_16bar-tiny", "hier-mel_16bar"),
    (PROJECT_MAGENTA_FIXTURES / "hier-trio_16bar-tiny", "hier-trio_16bar"),
    (PROJECT_MAGENTA_FIXTURES / "cat-mel_2bar_med_chords-tiny", "cat-mel_2bar_med_chords"),
    (PROJECT_MAGENTA_FIXTURES / "multiperf_model" / "hier-multiperf_vel_1bar_med-tiny",
     "hier-multiperf_vel_1bar_med"),
]

# Families whose NoteSequence magenta.js 1.23.1 turns into another input than magenta's, so its
# encode() is not magenta's (encodeTensors of the right input is, and all decoding):
JS_INPUT_DIFFERS = {
    # DrumsConverter.toTensor clears the "no hit" bit of the step before each hit
    # (`buffer.set(0, step, -1)` is not the last column)
    "drums",
    # Performance.fromNoteSequence puts a step's note-ons (and their velocity change) before
    # its note-offs, where note-seq puts the note-offs first
    "multiperf",
}

# In the page: encode each NoteSequence (magenta.js's converter makes the input) and the same
# window as our input tensor (its 1s given as [step, column]), decode that mu greedily, and
# return both mus and the events (per part: the argmax of its one-hot slice, or a NADE's bits
# read as a class mask).
PAGE_SCRIPT = """
(async () => {
  await mm.tf.setBackend('cpu');  // float32 as ours (WebGL may compute in lower precision)
  const model = new mm.MusicVAE(BASE + '/model');
  await model.initialize();
  const asEvents = rows => rows.map(row => {
    if (BITS) return [row.reduce((mask, bit, i) => mask + (bit > 0.5 ? 2 ** i : 0), 0)];
    let offset = 0;
    return PARTS.map(depth => {
      const part = row.slice(offset, offset + depth);
      offset += depth;
      return part.indexOf(Math.max(...part));
    });
  });
  const results = [];
  for (const [i, sequence] of SEQUENCES.entries()) {
    const controls = CHORDS[i] ? {chordProgression: CHORDS[i]} : undefined;
    const fromSequence = await model.encode([sequence], controls);
    const input = mm.tf.buffer([1, STEPS, DEPTH]);
    for (const [step, column] of ONES[i]) input.set(1, 0, step, column);
    const mu = await model.encodeTensors(input.toTensor(), controls);
    const decoded = await model.decodeTensors(mu, undefined, controls);
    results.push({muFromSequence: (await fromSequence.array())[0],
                  mu: (await mu.array())[0], events: asEvents((await decoded.array())[0])});
    [fromSequence, mu, decoded].forEach(t => t.dispose());
  }
  return {backend: mm.tf.getBackend(), results};
})()
"""


def _tools_or_skip() -> tuple[str, str]:
    npm, chromium = shutil.which("npm"), find_chromium()
    if npm and chromium:
        return npm, chromium
    missing = " and ".join(name for name, found in (("npm", npm), ("Chromium", chromium))
                           if not found)
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI needs {missing} (installed by .ci/run) to play an export in magenta.js")
    pytest.skip(f"{missing} not installed: cannot play an export in magenta.js")


NPM_ATTEMPTS = 3  # a registry hiccup mid-install leaves npm failing its own rollback (ENOTEMPTY)


def _npm_install(npm: str, staging_root: Path) -> Path:
    """A fresh folder with @magenta/music installed. Each attempt starts from an empty prefix:
    a failed install leaves a half-written node_modules that a retry over it trips on."""
    errors = []
    for attempt in range(NPM_ATTEMPTS):
        prefix = staging_root / f"attempt-{attempt}"
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-save",
             "--prefix", str(prefix), f"@magenta/music@{MAGENTA_MUSIC}"],
            capture_output=True, text=True, timeout=600)
        if result.returncode == 0 and (prefix / BUNDLE).is_file():
            return prefix
        errors.append(f"attempt {attempt + 1}: exit {result.returncode}\n"
                      f"{result.stderr[-1500:]}")
    pytest.fail(f"npm install @magenta/music@{MAGENTA_MUSIC} failed {NPM_ATTEMPTS} times:\n"
                + "\n".join(errors))


@pytest.fixture(scope="module")
def magenta_music(pytestconfig, tmp_path_factory) -> tuple[Path, str]:
    """(the folder npm installed @magenta/music into, the Chromium binary). Installed once and
    kept in pytest's cache when there is one; only a complete install is moved there."""
    npm, chromium = _tools_or_skip()
    name = f"magenta-music-{MAGENTA_MUSIC}"
    cache = getattr(pytestconfig, "cache", None)
    if cache is not None and (cache.mkdir(name) / BUNDLE).is_file():
        return cache.mkdir(name), chromium
    installed = _npm_install(npm, tmp_path_factory.mktemp(name))
    if cache is None:
        return installed, chromium
    folder = cache.mkdir(name)
    shutil.rmtree(folder)  # whatever an interrupted earlier run left there
    shutil.move(installed, folder)
    return folder, chromium


def _architecture(info: dict) -> str:
    """A fixture's hparams of the model's shape (its training overrides less the rate)."""
    if "hparam_arch" in info:
        return info["hparam_arch"]
    return re.sub(r",?learning_rate=[^,]*", "", info["hparam_overrides"])


def _quantized_notes(sequence, steps_per_second: float) -> list[dict]:
    """A NoteSequence's notes as magenta.js reads a quantized one (steps, not seconds)."""
    return [{"pitch": n.pitch, "velocity": n.velocity, "program": n.program,
             "instrument": n.instrument, "isDrum": n.is_drum,
             "quantizedStartStep": round(n.start_time * steps_per_second),
             "quantizedEndStep": round(n.end_time * steps_per_second)}
            for n in sequence.notes]


def _encoder_input(model, window: np.ndarray) -> np.ndarray:
    """Our encoder's input rows [T, depth] for a window: one-hots of each part, or the bits."""
    bits = model.config.encoder_inputs
    if bits is not None:
        return bits.vectors(window)
    parts = window.reshape(len(window), -1)
    # a padding row (class -1: a multi-instrument track's rows after its end token) is zeros
    return np.concatenate([np.vstack([np.eye(depth), np.zeros(depth)])[parts[:, p]]
                           for p, depth in enumerate(model.config.part_depths)], axis=1)


def _classes(events: np.ndarray, bits: bool) -> np.ndarray:
    """Event classes; a NADE fixture's rows of drum bits [T, classes] read as class masks."""
    if not bits:
        return events
    return (events.astype(np.int64) << np.arange(events.shape[-1])).sum(-1)


def _first_windows(folder: Path, bits: bool) -> list[tuple]:
    """(window, its chord classes or None, magenta's mu, magenta's greedy events) of the first
    fixture cases with windows."""
    arrays = npz_arrays(folder / "expected.npz")
    found = []
    for k, case in enumerate(json.loads((folder / "fixture.json").read_text())["cases"]):
        if case["num_windows"]:
            chords = arrays.get(f"case{k}_controls")
            mu = arrays[f"case{k}_mu"]  # a multi-instrument fixture's: of several windows
            found.append((_classes(arrays[f"case{k}_windows"][0], bits),
                          None if chords is None else chords[0], mu if mu.ndim == 1 else mu[0],
                          _classes(arrays[f"case{k}_greedy_from_mu"], bits)))
    return found[:3]


def _play_in_magenta_js(model, out: Path, windows: list[tuple], magenta_music) -> list[dict]:
    """magenta.js's results (mu of the NoteSequence, mu of our input tensor, greedy events) for
    each (window, chord classes or None) of `windows`, the export in `out` served to Chromium;
    our mu and greedy decode of the same window checked against them."""
    npm_folder, chromium = magenta_music
    converter = model.config.converter
    steps_per_quarter = converter.steps_per_bar // 4  # every config's bars are 4/4
    steps_per_second = steps_per_quarter * 120 / 60  # at to_note_sequence's qpm
    sequences, ones = [], []
    # a chord per step: magenta.js spreads a progression of `steps` chords one per step
    chords = [None if c is None else [decode_chord(int(i)) for i in c] for _, c in windows]
    for window, _ in windows:
        ones.append(np.argwhere(_encoder_input(model, window) > 0.5).tolist())
        sequence = converter.to_note_sequence(window, qpm=120.0)
        sequences.append({"notes": _quantized_notes(sequence, steps_per_second),
                          "quantizationInfo": {"stepsPerQuarter": steps_per_quarter},
                          "totalQuantizedSteps": model.window_steps, "tempos": [{"qpm": 120}]})

    bodies = {f"/model/{p.name}": p.read_bytes() for p in out.iterdir()}
    bodies["/magentamusic.js"] = (npm_folder / BUNDLE).read_bytes()
    values = {"SEQUENCES": sequences, "CHORDS": chords, "ONES": ones,
              "PARTS": [int(d) for d in model.config.part_depths],
              "BITS": model.config.multi_label, "STEPS": model.window_steps,
              "DEPTH": int(_encoder_input(model, windows[0][0]).shape[1])}
    bodies["/index.html"] = (b"<!doctype html><meta charset=utf-8>"
                             b"<script src=/magentamusic.js></script>")
    with serve_bytes(bodies) as base:
        page = chromium_evaluate(f"{base}/index.html",
                                 "".join(f"const {name} = {json.dumps(value)};\n" for name, value
                                         in {"BASE": base, **values}.items()) + PAGE_SCRIPT,
                                 timeout=300, chromium=chromium)

    assert page["backend"] == "cpu"
    assert len(page["results"]) == len(windows)
    for (window, classes), result in zip(windows, page["results"]):
        controls = None if classes is None else ctl.vectors(converter, classes[None])
        _, mu, _ = model.encode(window[None], controls=controls)
        ours, _ = model.decode(mu, temperature=0.0, keep_logits=False, controls=controls)
        result["mu"] = np.asarray(result["mu"], np.float32)
        np.testing.assert_allclose(result["mu"], mu[0], atol=1e-3, err_msg="magenta.js's mu vs ours")
        result["ours"] = mu[0]
        result["events"] = np.asarray(result["events"]).reshape(np.shape(ours[0]))
        np.testing.assert_array_equal(result["events"], ours[0], err_msg="greedy events vs ours")
    return page["results"]


@pytest.mark.slow
@pytest.mark.xdist_group("magenta_js")  # one worker: one npm install, one browser at a time
@pytest.mark.parametrize("folder, config", CASES, ids=[c for _, c in CASES])
def test_magenta_js_plays_the_export_as_we_do(folder, config, magenta_music, tmp_path):
    hparams = _architecture(json.loads((folder / "fixture.json").read_text()))
    out = tmp_path / "model"
    assert main(["export-js", "--config", config, "--hparams", hparams,
                 "--checkpoint", str(folder / "checkpoint"), "--output", str(out)]) == 0
    model = load_model(folder / "checkpoint", config, hparams)
    windows = _first_windows(folder, model.config.multi_label)
    assert windows
    results = _play_in_magenta_js(model, out, [(w, c) for w, c, _, _ in windows], magenta_music)
    for (_, _, magenta_mu, magenta_greedy), result in zip(windows, results):
        np.testing.assert_allclose(result["mu"], magenta_mu, atol=1e-3, err_msg="vs magenta's mu")
        if family_of(config) not in JS_INPUT_DIFFERS:
            np.testing.assert_allclose(result["muFromSequence"], result["ours"], atol=1e-3,
                                       err_msg="mu of magenta.js's own input vs ours")
        # magenta.js decodes its own mu: same events as ours from our mu, and as magenta's
        np.testing.assert_array_equal(result["events"], magenta_greedy, err_msg="vs magenta's")


@pytest.mark.slow
@pytest.mark.xdist_group("magenta_js")
def test_magenta_js_plays_the_shipped_16bar_model_as_we_do(magenta_music, tmp_path):
    """Serenade's own 16-bar layout (eight 2-bar units) is magenta.js's hierarchical model with
    `numSegments: 8`: the shipped model, exported, encodes and decodes real 16-bar phrases in the
    browser as it does here (magenta.js samples from N(0, I): the fitted prior stays ours)."""
    out = tmp_path / "model"
    assert main(["export-js", "--checkpoint", "pretrained:serenade_mel_16bar",
                 "--output", str(out)]) == 0
    assert json.loads((out / "config.json").read_text())["dataConverter"]["args"][
        "numSegments"] == 8
    model = load_model("pretrained:serenade_mel_16bar")
    phrases = npz_arrays(MAGENTA_FIXTURES / "hierdec-mel_16bar-tiny" / "expected.npz")
    windows = [w for k in sorted(phrases) if k.endswith("_windows") for w in phrases[k]][:3]
    assert len(windows) >= 2 and all(w.shape == (256,) for w in windows)
    results = _play_in_magenta_js(model, out, [(w, None) for w in windows], magenta_music)
    for window, result in zip(windows, results):
        np.testing.assert_allclose(result["muFromSequence"], result["ours"], atol=1e-3,
                                   err_msg="mu of magenta.js's own input vs ours")
        onsets = window >= FIRST_NOTE_ON
        assert (result["events"][onsets] == window[onsets]).mean() > 0.3  # it is the phrase


def test_a_config_magenta_js_cannot_run_is_refused_before_writing(tmp_path, capsys):
    folder = MAGENTA_FIXTURES / "hierdec-mel_16bar-tiny"
    info = json.loads((folder / "fixture.json").read_text())
    out = tmp_path / "model"
    assert main(["export-js", "--config", "hierdec-mel_16bar", "--hparams", info["hparam_arch"],
                 "--checkpoint", str(folder / "hierdec-mel_16bar.tar"),
                 "--output", str(out)]) == 1
    message = capsys.readouterr().err
    assert message.startswith("serenade export-js: config hierdec-mel_16bar cannot be exported "
                              "for magenta.js: magenta.js runs a hierarchical decoder only with")
    assert message.count("\n") == 1 and not out.exists()


# GrooVAE: magenta's checkpoints of the configs magenta.js's GrooveConverter runs as magenta does
GROOVE_CASES = [PROJECT_MAGENTA_FIXTURES / "groove_model" / name for name in (
    "groovae_4bar", "groovae_2bar_humanize", "groovae_2bar_tap_fixed_velocity",
    "groovae_2bar_hits_control_tfds")]

# In the page: encode each performance as a NoteSequence (magenta.js's GrooveConverter makes
# the input: humanize, tapify) and magenta's encoder input as a tensor, then decode that mu
# greedily (hits: sigmoid > 0.5; velocities: sigmoid; offsets: tanh); a hits-control config
# gets the performance's hits as `extraControls`.
GROOVE_PAGE_SCRIPT = """
(async () => {
  await mm.tf.setBackend('cpu');
  const model = new mm.MusicVAE(BASE + '/model');
  await model.initialize();
  const results = [];
  for (const [i, sequence] of SEQUENCES.entries()) {
    const controls = HITS[i] ? {extraControls: {hits: mm.tf.tensor2d(HITS[i])}} : undefined;
    const fromSequence = await model.encode([sequence], controls);
    const mu = await model.encodeTensors(mm.tf.tensor3d([INPUTS[i]]), controls);
    const decoded = await model.decodeTensors(mu, undefined, controls);
    results.push({muFromSequence: (await fromSequence.array())[0],
                  mu: (await mu.array())[0], decoded: (await decoded.array())[0]});
    [fromSequence, mu, decoded].forEach(t => t.dispose());
  }
  return {backend: mm.tf.getBackend(), results};
})()
"""


def _groove_sequence(converter, performance: np.ndarray) -> dict:
    """A performance window [T, 27] as magenta.js reads a quantized NoteSequence: each note's
    onset (offsets kept) and its grid step (note-seq's rounding, a half step early included)."""
    sequence = converter.from_tensors([performance])[0]
    steps_per_second = converter.steps_per_quarter * 120 / 60
    notes = [{"pitch": n.pitch, "velocity": n.velocity, "isDrum": True,
              "startTime": n.start_time, "endTime": n.end_time,
              "quantizedStartStep": int(np.floor(n.start_time * steps_per_second + 0.5)),
              "quantizedEndStep": int(np.floor(n.end_time * steps_per_second + 0.5))}
             for n in sequence.notes]
    return {"notes": notes, "tempos": [{"qpm": 120}], "totalQuantizedSteps": len(performance),
            "quantizationInfo": {"stepsPerQuarter": converter.steps_per_quarter}}


def _groove_windows(folder: Path) -> list[tuple]:
    """(encoder input, performance, its hits controls or None, magenta's mu, magenta's greedy
    decode) of the cases with a window (magenta decoded at temperature 1e-6: greedy hits)."""
    arrays = npz_arrays(folder / "expected.npz")
    cases = sorted(int(k[4:-3]) for k in arrays if k.startswith("case") and k.endswith("_mu"))
    return [(arrays[f"case{k}_inputs"], arrays[f"case{k}_outputs"],
             arrays[f"case{k}_controls"] if arrays[f"case{k}_controls"].size else None,
             arrays[f"case{k}_mu"], arrays[f"case{k}_samples"]) for k in cases[:3]]


def _assert_same_groove(decoded: np.ndarray, expected: np.ndarray, what: str) -> None:
    """Same hits; velocities and offsets (sigmoid, tanh of float32 logits) within 1e-3."""
    hits, rest = np.split(np.asarray(decoded, np.float32), [decoded.shape[-1] // 3], axis=-1)
    expected_hits, expected_rest = np.split(expected, [expected.shape[-1] // 3], axis=-1)
    np.testing.assert_array_equal(hits, expected_hits, err_msg=f"hits {what}")
    np.testing.assert_allclose(rest, expected_rest, atol=1e-3,
                               err_msg=f"velocities and offsets {what}")


@pytest.mark.slow
@pytest.mark.xdist_group("magenta_js")
@pytest.mark.parametrize("folder", GROOVE_CASES, ids=[f.name for f in GROOVE_CASES])
def test_magenta_js_plays_a_groove_export_as_we_do(folder, magenta_music, tmp_path):
    npm_folder, chromium = magenta_music
    info = json.loads((folder / "fixture.json").read_text())
    config, out = info["config"], tmp_path / "model"
    assert main(["export-js", "--config", config, "--hparams", info["hparam_arch"],
                 "--checkpoint", str(folder / "checkpoint"), "--output", str(out)]) == 0
    model = load_model(folder / "checkpoint", config, info["hparam_arch"])
    windows = _groove_windows(folder)
    assert windows
    values = {"BASE": None,
              "SEQUENCES": [_groove_sequence(model.config.converter, w[1]) for w in windows],
              "INPUTS": [w[0].tolist() for w in windows],
              "HITS": [None if w[2] is None else w[2].tolist() for w in windows]}
    bodies = {f"/model/{p.name}": p.read_bytes() for p in out.iterdir()}
    bodies["/magentamusic.js"] = (npm_folder / BUNDLE).read_bytes()
    bodies["/index.html"] = (b"<!doctype html><meta charset=utf-8>"
                             b"<script src=/magentamusic.js></script>")
    with serve_bytes(bodies) as base:
        values["BASE"] = base
        page = chromium_evaluate(f"{base}/index.html",
                                 "".join(f"const {name} = {json.dumps(value)};\n"
                                         for name, value in values.items()) + GROOVE_PAGE_SCRIPT,
                                 timeout=300, chromium=chromium)

    assert page["backend"] == "cpu" and len(page["results"]) == len(windows)
    for (inputs, _, hits, magenta_mu, magenta_greedy), result in zip(windows, page["results"]):
        controls = None if hits is None else hits[None]
        _, mu, _ = model.encode(inputs[None], controls=controls)
        ours, _ = model.decode(mu, temperature=0.0, controls=controls)
        js_mu = np.asarray(result["mu"], np.float32)
        np.testing.assert_allclose(js_mu, mu[0], atol=1e-3, err_msg="magenta.js's mu vs ours")
        np.testing.assert_allclose(js_mu, magenta_mu, atol=1e-3, err_msg="vs magenta's mu")
        np.testing.assert_allclose(result["muFromSequence"], mu[0], atol=1e-3,
                                   err_msg="mu of magenta.js's own input vs ours")
        js_decoded = np.asarray(result["decoded"], np.float32)
        _assert_same_groove(js_decoded, ours[0], "magenta.js vs ours")
        _assert_same_groove(js_decoded, magenta_greedy, "magenta.js vs magenta's")


def test_a_groove_config_magenta_js_reads_otherwise_is_refused_before_writing(tmp_path, capsys):
    folder = PROJECT_MAGENTA_FIXTURES / "groove_model" / "groovae_2bar_add_closed_hh"
    info = json.loads((folder / "fixture.json").read_text())
    out = tmp_path / "model"
    assert main(["export-js", "--config", info["config"], "--hparams", info["hparam_arch"],
                 "--checkpoint", str(folder / "checkpoint"), "--output", str(out)]) == 1
    message = capsys.readouterr().err
    assert message.startswith("serenade export-js: config groovae_2bar_add_closed_hh cannot be "
                              "exported for magenta.js: its encoder does not see drum classes [2]")
    assert message.count("\n") == 1 and not out.exists()
