"""Structure figures on constructed melodies whose answer is known, and on real 16-bar windows."""

from __future__ import annotations

import re

import numpy as np
import pytest

from serenade.generation import structure
from serenade.melody import events as ev


def _bar(pitches_at: dict[int, int], off_at: tuple[int, ...] = ()) -> np.ndarray:
    bar = np.zeros(16, np.int64)
    for step, pitch in pitches_at.items():
        bar[step] = ev.note_on(pitch)
    for step in off_at:
        bar[step] = ev.NOTE_OFF
    return bar


MOTIF = {0: 60, 4: 62, 8: 64, 12: 65}


def test_a_transposed_repeat_counts_and_a_changed_rhythm_does_not():
    up_a_fifth = {step: pitch + 7 for step, pitch in MOTIF.items()}
    other_rhythm = {0: 60, 6: 62, 8: 64, 12: 65}
    bars = [_bar(MOTIF), _bar(up_a_fifth), _bar(other_rhythm), _bar({}), _bar(MOTIF, off_at=(14,))]
    # bar 1 repeats bar 0 (transposed); bar 2 is new; bar 3 is empty (left out); bar 4 ends its
    # last note early (a different length): new
    window = np.concatenate(bars + [_bar(MOTIF)] * 11)  # 11 exact repeats
    assert structure.bar_repeat_share(window[None]) == (1 + 11) / 14


def test_key_kept_compares_the_first_and_last_four_bars():
    c_major = np.concatenate([_bar({0: 60, 4: 64, 8: 67, 12: 72})] * 16)
    modulating = c_major.copy()
    modulating[-64:] = np.concatenate([_bar({0: 61, 4: 66, 8: 68, 12: 73})] * 4)  # F# major notes
    silent_end = c_major.copy()
    silent_end[-64:] = 0
    windows = np.stack([c_major, modulating, silent_end])
    assert structure.key_kept_share(windows) == 0.5  # the silent end is left out


def test_real_windows_have_the_structure_of_real_music():
    from testing.fixtures import magenta_fixture

    info = magenta_fixture("hierdec-mel_16bar-tiny")
    expected = np.load(info["folder"] / "expected.npz")
    windows = np.concatenate([expected[k] for k in expected.files if k.endswith("_windows")])
    figures = structure.structure_figures(windows.astype(np.int64))
    assert 0.05 < figures["bar_repeat_share"] < 0.9
    assert 0.4 < figures["key_kept_share"] <= 1.0
    shuffled = np.random.default_rng(0).permutation(windows.reshape(-1)).reshape(windows.shape)
    assert structure.bar_repeat_share(shuffled) < figures["bar_repeat_share"]


def test_onsets_by_bar_finds_where_a_reconstruction_loses_the_phrase():
    from serenade.conversion.converters import converter_for_config

    converter = converter_for_config("hierdec-mel_16bar")
    phrase = np.concatenate([_bar(MOTIF, off_at=(14,))] * 15 + [np.zeros(16, np.int64)])
    windows = np.stack([phrase, np.roll(phrase, 2)])
    decoded = windows.copy()
    decoded[:, 4 * 16:] = ev.NO_EVENT  # the first four bars kept, the rest lost
    decoded[1, 16 + 2] = ev.note_on(70)  # one wrong onset in bar 2 of the second window
    by_bar = structure.onsets_by_bar(converter, windows, decoded)
    assert len(by_bar) == 16
    assert by_bar[0] == by_bar[2] == by_bar[3] == 1.0
    assert by_bar[1] == 7 / 8
    assert by_bar[4:15] == [0.0] * 11
    assert np.isnan(by_bar[15])  # a silent last bar in both windows


def test_posterior_use_reads_a_trained_decoder():
    from serenade.generation.quality import reconstruction_figures
    from testing.fixtures import fixture_model, magenta_fixture

    model = fixture_model("hierdec-mel_16bar-tiny")
    expected = np.load(magenta_fixture("hierdec-mel_16bar-tiny")["folder"] / "expected.npz")
    windows = np.concatenate([expected[k] for k in expected.files
                              if k.endswith("_windows")]).astype(np.int64)
    _, decoded = reconstruction_figures(model, windows)
    figures = structure.posterior_use(model, windows, decoded)
    assert figures["onset_accuracy_from_mu"] > figures["onset_accuracy_from_random_z"]
    assert figures["posterior_use_ratio"] == (figures["onset_accuracy_from_mu"]
                                             / figures["onset_accuracy_from_random_z"])


def test_a_16bar_model_is_held_to_the_phrase_targets():
    from serenade.generation.quality import check, format_check, quality_report
    from testing.fixtures import fixture_model, magenta_fixture

    model = fixture_model("hierdec-mel_16bar-tiny")
    expected = np.load(magenta_fixture("hierdec-mel_16bar-tiny")["folder"] / "expected.npz")
    windows = np.concatenate([expected[k] for k in expected.files
                              if k.endswith("_windows")]).astype(np.int64)
    figures, _ = quality_report(model, windows, temperatures=[0.5], num_samples=16)
    for key in ("reference.bar_repeat_share", "reference.key_kept_share",
                "samples_t0.5.bar_repeat_share", "samples_t0.5.under_16_notes",
                "reconstruction.posterior_use_ratio"):
        assert np.isfinite(figures[key]), key
    rows = {(t.metric, t.kind, t.value) for t, _, _ in check(figures)}
    assert ("reconstruction.onset_accuracy", "min", 0.60) in rows
    assert ("reconstruction.onset_accuracy", "min", 0.75) not in rows
    assert ("samples_t0.5.key_kept_share", "points", 0.10) in rows
    assert not any(metric.endswith("under_4_notes") for metric, _, _ in rows)
    by_bar = [figures[f"reconstruction.onset_accuracy_bar_{k:02d}"] for k in range(1, 17)]
    onsets = model.config.converter.starts_event(windows).reshape(len(windows), 16, 16)
    weights = onsets.sum(axis=(0, 2))
    pooled = np.nansum(np.array(by_bar) * weights) / weights.sum()
    assert pooled == pytest.approx(figures["reconstruction.onset_accuracy"])
    text = format_check("phrases", figures)
    assert "onsets reconstructed, bar by bar: " + " ".join(f"{v:.2f}" for v in by_bar) in text
    assert "the 16-bar melody targets" in text
    # each figure once: held to its 16-bar target, not listed again as untargeted
    assert text.count("reconstruction.onset_accuracy") == 1
    reference = figures["reference.key_kept_share"]
    assert re.search(rf"samples_t0.5.key_kept_share .*\(reference {reference:.3f}\)", text)
