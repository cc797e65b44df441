"""The generation library on a 16-bar hierarchical model: the tiny magenta hierdec fixture
sampled and interpolated through the same job functions the workflow rules call."""

from __future__ import annotations

import numpy as np
from matplotlib.image import imread

from serenade.generation.jobs.context import JobContext
from serenade.generation.jobs.samples import run_samples
from serenade.generation.jobs.walks import run_walk
from serenade.generation.writing import RenderSettings
from serenade.melody import events as ev
from serenade.base.midi_parser import read_midi

from testing.fixtures import magenta_fixture

FIXTURE = "hierdec-mel_16bar-tiny"
QPM = 120.0
BAR_SECONDS = 4 * 60 / QPM  # 4/4


def _context(tmp_path, out: str) -> JobContext:
    info = magenta_fixture(FIXTURE)
    return JobContext(model_name="hierdec", config_name="hierdec-mel_16bar",
                      checkpoint=info["folder"] / "checkpoint", hparams=info["hparam_arch"],
                      out_dir=tmp_path / out, render=RenderSettings(program=0, audio=False),
                      tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", results_dir=tmp_path)


def _onsets(events: np.ndarray) -> np.ndarray:
    """Steps where a note starts (classes >= 2 are note-ons)."""
    return np.flatnonzero(events >= ev.NOTE_OFF + 1)


def _assert_png(path):
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 50 and image.shape[1] > 50, path
    assert image[..., :3].std() > 0.01, f"{path} is blank"


def test_16bar_samples_and_interpolation(tmp_path):
    out = run_samples(_context(tmp_path, "samples"), n=2, temperatures=[1.0], seed=3, qpm=QPM)
    with np.load(out / "samples.npz") as arrays:
        events = arrays["events_t1"]
    assert events.shape == (2, 256)  # 16 bars of 16 steps
    for index, window in enumerate(events):
        stem = out / "t1" / f"sample-{index:03d}"
        sequence = read_midi(stem.with_suffix(".mid"))
        onsets = _onsets(window)
        assert len(sequence.notes) == len(onsets) > 0
        starts = sorted(round(n.start_time / (BAR_SECONDS / 16)) for n in sequence.notes)
        assert starts == onsets.tolist()  # every note where its event says, bar by bar
        assert sequence.total_time <= 16 * BAR_SECONDS + 1e-6
        _assert_png(stem.with_suffix(".png"))
    # the hierarchical decoder fills the whole 16 bars, not just the first ones
    assert len({step // 16 for step in _onsets(events.ravel()) % 256}) >= 12
    _assert_png(out / "t1" / "strip.png")

    cases = magenta_fixture(FIXTURE)["folder"] / "cases"
    inputs = [str(cases / "BirminghamHornpipe_0.mid"), str(cases / "GameCockReel_0.mid")]
    walk_dir = run_walk(_context(tmp_path, "interpolation"), kind="interpolation", name="a_to_b",
                        inputs=inputs, window="most_notes", num_steps=3, method="slerp",
                        temperature=0.0, seed=0, qpm=QPM, sources=[])
    with np.load(walk_dir / "path.npz") as path:
        assert path["events"].shape == (3, 256)
        walked = path["events"]
    whole = read_midi(walk_dir / "interpolation.mid")
    assert len(whole.notes) == sum(len(_onsets(w)) for w in walked)
    assert 2 * 16 * BAR_SECONDS < whole.total_time <= 3 * 16 * BAR_SECONDS + 1e-6
    for step in range(3):
        sequence = read_midi(walk_dir / f"step-{step:02d}.mid")
        assert len(sequence.notes) == len(_onsets(walked[step]))
        assert sequence.total_time <= 16 * BAR_SECONDS + 1e-6
        _assert_png(walk_dir / f"step-{step:02d}.png")
    _assert_png(walk_dir / "strip.png")
    assert "BirminghamHornpipe_0.mid: track" in (walk_dir / "inputs.txt").read_text()
