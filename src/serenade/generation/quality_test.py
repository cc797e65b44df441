"""Quality figures on magenta's fixture model and real fixture windows."""

from __future__ import annotations

import re

import numpy as np
import pytest

from serenade.conversion import converter_for_config
from serenade.conversion.reconstruction import onset_accuracy
from serenade.generation import quality
from serenade.generation.jobs.context import JobContext
from serenade.generation.jobs.quality_check import run_quality
from serenade.generation.metrics import music_metrics
from serenade.melody import events as ev
from serenade.training import evaluation

from testing.fixtures import (FIXTURE_CHECKPOINT_2BAR, expected_windows, fixture_model,
                              fixture_note_sequences, magenta_fixture)
from testing.music_files import write_note_sequence_tfrecord

MEL = converter_for_config("cat-mel_2bar_small")


def _fixture_windows() -> np.ndarray:
    cases = magenta_fixture("cat-mel_2bar_small")["cases"]
    rows = [expected_windows("cat-mel_2bar_small", k, 32) for k, case in enumerate(cases)
            if case["num_windows"]]
    return np.concatenate(rows).astype(np.int32)


def test_set_figures_of_real_windows():
    windows = _fixture_windows()
    figures = quality.set_figures(windows, windows)
    onsets = (windows >= ev.FIRST_NOTE_ON).sum(axis=1)
    assert figures["onsets_per_bar"] == pytest.approx(onsets.mean() / 2)
    assert figures["under_4_notes"] == pytest.approx(np.mean(onsets < 4))
    assert 0.8 < figures["in_scale"] <= 1.0  # folk tunes and chorales are tonal
    assert figures["pitch_class_distance"] == 0.0
    # the same distance as the music metrics table reports
    shifted = np.where(windows >= ev.FIRST_NOTE_ON, windows + 1, windows)
    assert quality.set_figures(shifted, windows)["pitch_class_distance"] == pytest.approx(
        music_metrics(shifted, windows)["pitch_class_distance"])
    assert quality.set_figures(shifted, windows)["pitch_class_distance"] > 0.2


def test_empty_samples_are_counted_as_few_notes():
    windows = np.zeros((4, 32), np.int32)
    windows[0, 0] = ev.note_on(60)
    figures = quality.set_figures(windows)
    assert figures["under_4_notes"] == 1.0
    assert figures["onsets_per_bar"] == pytest.approx(1 / 8)


def test_report_reconstruction_agrees_with_training_evaluation():
    model = fixture_model()
    windows = _fixture_windows()[:64]
    figures, decoded = quality.quality_report(model, windows, temperatures=[0.5, 1.0],
                                              num_samples=32, seed=3)
    metrics = evaluation.evaluate(model, windows, batch_size=64, beta=0.2, free_bits=0.0,
                                  loss_sampling_probability=1.0)
    assert figures["reconstruction.accuracy"] == pytest.approx(metrics["mu_accuracy"])
    assert figures["reconstruction.onset_accuracy"] == pytest.approx(metrics["mu_onset_accuracy"])
    assert figures["reconstruction.no_event_baseline"] == pytest.approx(np.mean(windows == 0))
    assert decoded.shape == windows.shape
    for temperature in ("t0.5", "t1"):
        for name in ("onsets_per_bar", "in_scale", "under_4_notes", "pitch_class_distance"):
            assert np.isfinite(figures[f"samples_{temperature}.{name}"]), (temperature, name)
    again, _ = quality.quality_report(model, windows, temperatures=[0.5], num_samples=32, seed=3)
    assert again["samples_t0.5.in_scale"] == figures["samples_t0.5.in_scale"]  # seeded


def test_targets_pass_fail_and_missing():
    good = {"reconstruction.onset_accuracy": 0.8, "reconstruction.accuracy": 0.95,
            "samples_t0.5.in_scale": 0.95, "samples_t0.5.onsets_per_bar": 4.2,
            "reference.onsets_per_bar": 5.0, "samples_t0.5.pitch_class_distance": 0.05,
            "samples_t0.5.under_4_notes": 0.01, "interpolations.endpoint_match": 0.9}
    assert all(passed for _, _, passed in quality.check(good))
    bad = dict(good, **{"samples_t0.5.onsets_per_bar": 3.3, "reconstruction.onset_accuracy": 0.07})
    failed = {t.metric for t, _, passed in quality.check(bad) if passed is False}
    assert failed == {"samples_t0.5.onsets_per_bar", "reconstruction.onset_accuracy"}
    missing = {k: v for k, v in good.items() if not k.startswith("interpolations")}
    assert [passed for t, _, passed in quality.check(missing)
            if t.metric == "interpolations.endpoint_match"] == [None]
    text = quality.format_check("m", bad)
    assert "misses target" in text and "0.070" in text and "reference 5.000" in text
    # a 2-bar model's figure is held to the 2-bar target only, not also listed as untargeted
    assert text.count("reconstruction.onset_accuracy") == 1
    # the chord target shows only for a model whose figures have chords
    assert "chord_tones" not in text
    chords = dict(good, **{"reference.chord_tones": 0.8, "samples_t0.5.chord_tones": 0.5})
    chords["samples_t0.5.pitch_class_distance"] = 0.3  # the progression sets the key: no target
    failed = {t.metric for t, _, passed in quality.check(chords) if passed is False}
    assert failed == {"samples_t0.5.chord_tones"}
    text = quality.format_check("m", chords)
    assert "samples_t0.5.chord_tones" in text
    assert re.search(r"samples_t0.5.pitch_class_distance +0.300  no target for this model", text)


def test_endpoint_match_pools_onsets():
    a = np.zeros(32, np.int32)
    a[[0, 8]] = ev.note_on(60), ev.note_on(62)
    b = np.zeros(32, np.int32)
    b[[0, 4, 8, 12]] = ev.note_on(67)
    decoded_a = a.copy()
    decoded_b = b.copy()
    decoded_b[12] = 0
    assert quality.endpoint_match(MEL, [a, b], [decoded_a, decoded_b]) == pytest.approx(5 / 6)


def test_drum_figures_and_targets():
    from serenade.conversion import converter_for_config
    from serenade.generation.features import features_for

    features = features_for(converter_for_config("cat-drums_2bar_small"))
    grooves = np.zeros((4, 32), np.int64)
    grooves[:, ::2] = 4  # closed hi-hat on every eighth
    grooves[1] = 0
    grooves[2] = 0
    grooves[2, :3] = 1  # three kicks: near-empty
    figures = quality.set_figures(grooves, grooves, features)
    assert set(figures) == {"hits_per_bar", "near_empty", "kit_distance"}
    assert figures["near_empty"] == 0.5 and figures["kit_distance"] == 0.0
    assert [t.metric for t in quality.targets_for(features)] == ["samples_t0.5.hits_per_bar"]
    text = quality.format_check("drums", {"samples_t0.5.hits_per_bar": 7.0,
                                          "reference.hits_per_bar": 8.0,
                                          "samples_t0.5.near_empty": 0.1,
                                          "reference.near_empty": 0.0,
                                          "reconstruction.accuracy": 0.5}, features)
    assert "melody targets of docs/quality.md apply to melody models" in text
    assert "in_scale" not in text and ": ok" in text
    assert "samples_t0.5.near_empty                  0.100 (0.000)" in text


def test_trio_figures_per_part_and_their_targets():
    from serenade.generation.features import features_for

    features = features_for(converter_for_config("hierdec-trio_16bar"))
    trio = np.zeros((2, 256, 3), np.int16)
    c_major = [60, 62, 64, 65, 67, 69, 71, 72]
    trio[0, ::16, 0] = [2 + c_major[i % 8] - 21 for i in range(16)]  # a note a bar, in C major
    trio[:, ::8, 1] = 2 + 36 - 21  # bass C2 twice a bar
    trio[0, ::4, 2] = 1  # kick on every beat
    figures = quality.set_figures(trio, trio, features)
    assert figures["melody_onsets_per_bar"] == 0.5 and figures["melody_in_scale"] == 1.0
    assert figures["melody_under_4_notes"] == 0.5  # the second window's melody is silent
    assert figures["bass_onsets_per_bar"] == 2.0 and figures["hits_per_bar"] == 2.0
    assert figures["near_empty"] == 0.5 and figures["kit_distance"] == 0.0
    assert figures["melody_pitch_class_distance"] == 0.0
    metrics = [t.metric for t in quality.targets_for(features)]
    assert "samples_t0.5.melody_in_scale" in metrics and "samples_t0.5.hits_per_bar" in metrics
    assert not any(m.startswith(("reconstruction.", "interpolations.")) or "bass" in m
                   for m in metrics)
    text = quality.format_check("trio", {"samples_t0.5.melody_in_scale": 0.95,
                                         "samples_t0.5.bass_in_scale": 0.7,
                                         "reference.bass_in_scale": 0.9,
                                         "reconstruction.onset_accuracy": 0.2}, features)
    assert "on the samples' melody part" in text and "reconstruction and interpolation targets do not apply" in text
    lines = {line.split()[0]: " ".join(line.split()[1:]) for line in text.splitlines()[2:]}
    assert lines["samples_t0.5.melody_in_scale"] == "0.950 target >= 0.93: ok"
    assert lines["samples_t0.5.bass_in_scale"] == "0.700 (0.900)"


def test_a_missed_upper_or_lower_bound_says_misses_target():
    figures = {"reconstruction.onset_accuracy": 0.07, "reconstruction.accuracy": 0.95,
               "samples_t0.5.pitch_class_distance": 0.373, "reconstruction.windows": 500}
    text = quality.format_check("m", figures)
    assert re.search(r"samples_t0.5.pitch_class_distance +0.373  target <= 0.1: misses target\n",
                     text), text
    assert re.search(r"reconstruction.onset_accuracy +0.070  target >= 0.75: misses target\n",
                     text), text
    assert re.search(r"reconstruction.accuracy +0.950  target >= 0.93: ok\n", text), text
    assert "BELOW" not in text and "drew z" not in text
    said = quality.format_check("m", figures, sampled_from="N(0, I)")
    assert said.splitlines()[2] == "  samples drew z from N(0, I)"


def test_few_held_out_windows_are_cautioned_with_the_onset_accuracy_error():
    model = fixture_model()
    windows = _fixture_windows()
    few, _ = quality.quality_report(model, windows[:16], temperatures=[0.5], num_samples=16)
    text = quality.format_check("m", few)
    caution = next(line for line in text.splitlines() if "CAUTION" in line)
    assert f"only 16 held-out windows (fewer than {quality.FEW_EVAL_WINDOWS})" in caution
    error = few["reconstruction.onset_accuracy_se"]
    assert f"onset accuracy +- {error:.3f}" in caution and 0.01 < error < 0.3
    # the error is the spread of the windows' own figures: a bootstrap over windows agrees
    _, decoded = quality.reconstruction_figures(model, windows[:16])
    rng = np.random.default_rng(0)
    draws = [onset_accuracy(MEL, windows[:16][rows], decoded[rows])
             for rows in rng.integers(0, 16, (400, 16))]
    assert error == pytest.approx(np.std(draws), rel=0.35)
    # enough windows: no caution
    many = np.resize(windows, (quality.FEW_EVAL_WINDOWS, windows.shape[1]))
    enough, _ = quality.quality_report(model, many, temperatures=[0.5], num_samples=16)
    assert "CAUTION" not in quality.format_check("m", enough)


def test_training_windows_reconstructed_far_better_than_held_out_ones_say_overfitting():
    model = fixture_model()
    windows = _fixture_windows()
    _, decoded = quality.reconstruction_figures(model, windows)
    kept = np.array([onset_accuracy(MEL, w[None], d[None]) for w, d in zip(windows, decoded)])
    ranked = np.argsort(np.nan_to_num(kept, nan=-1.0))
    half = len(windows) // 2
    # what the model knows best as its "training" pieces, the rest held out: they diverge
    figures, _ = quality.quality_report(model, windows[ranked[:half]], temperatures=[0.5],
                                        num_samples=16, train_windows=windows[ranked[half:]])
    gap = figures["train_reconstruction.onset_accuracy"] - figures["reconstruction.onset_accuracy"]
    assert gap > quality.OVERFIT_GAP
    text = quality.format_check("m", figures)
    assert re.search(r"OVERFITTING: training windows' onsets reconstructed \d\.\d{3}, held-out "
                     rf"\d\.\d{{3}} \({len(windows) - half} training windows\): a gap of {gap:.3f}",
                     text), text
    # the same pieces on both sides: compared, not flagged
    same, _ = quality.quality_report(model, windows, temperatures=[0.5], num_samples=16,
                                     train_windows=windows)
    text = quality.format_check("m", same)
    assert "OVERFITTING" not in text and "no sign of overfitting" in text


def test_the_quality_job_compares_training_and_held_out_windows(tmp_path):
    info = magenta_fixture(FIXTURE_CHECKPOINT_2BAR)
    records = write_note_sequence_tfrecord(tmp_path / "eval.tfrecord", fixture_note_sequences())
    ctx = JobContext("fixture", info["config"], info["folder"] / "checkpoint", tmp_path / "out",
                     hparams=info["hparam_arch"], track=False)
    figures = run_quality(ctx, eval=[records], temperatures=[0.5], num_samples=16, seed=0,
                          train=[records])
    assert figures["train_reconstruction.windows"] == figures["reconstruction.windows"]
    text = (tmp_path / "out" / "quality.txt").read_text()
    assert "train vs held-out" in text and "CAUTION: only" in text
