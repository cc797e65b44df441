"""Is a model's music worth keeping? The figures a listener would check, against targets.

- Reconstruction of held-out windows, decoded greedily from their mu: accuracy over all steps,
  over the note-onset steps only (the honest figure: most steps are "no event"), and the
  "always no event" baseline to read both against.
- Samples from the prior at each temperature: note onsets per bar, in-scale share, pitch-class
  distance to the held-out windows, share of samples with fewer than 4 notes; the held-out
  windows' own onsets per bar and in-scale share beside them. Drum models: kit-piece hits per
  bar, the share of near-empty samples (fewer than 4 steps with a hit) and the kit-piece
  distance to the held-out windows, the held-out windows' own hits per bar and near-empty
  share beside them. Trio models (windows of several parts), per part: the melody's and the
  bass's onsets per bar, in-scale share, share of samples with fewer than 4 notes and
  pitch-class distance (`melody_onsets_per_bar`, `bass_in_scale`, ...), the drums' hits per
  bar, near-empty share and kit-piece distance; reconstruction adds each part's onset accuracy.
  Multi-instrument performance models (polyphony): notes per bar, mean polyphony (notes
  sounding together), in-scale share, instruments playing, share with fewer than 4 notes and
  the velocity histogram's distance to the held-out windows (`serenade.generation.polyphony`),
  the held-out windows' own beside them.
- Interpolations: how many of an input's onsets the decoded endpoint keeps (computed by the
  interpolation job, `endpoint_match`, gathered here).

`TARGETS` is the bar a default melody run is held to (README, docs/quality.md); drum models
are held to `DRUM_TARGETS` only, trio models to `PART_TARGETS`, multi-instrument performance
models to `POLYPHONY_TARGETS` (`targets_for`); `check` compares.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from serenade.config_schema import schema_default
from serenade.conversion.protocol import WindowConverter
from serenade.conversion.reconstruction import no_event_share, onset_accuracy, step_accuracy
from serenade.generation import conditioning, structure
from serenade.generation.features import (MELODY_FEATURES, STEPS_PER_BAR, FeatureSet, features_for,
                                          scalar_features)
from serenade.generation.metrics import histogram_distance, pitch_class_distance
from serenade.melody import events as ev

FEW_NOTES = 4  # a sample with fewer onsets than this is not a melody (not a groove)
# Under this many held-out windows the figures are a rough sign, not a measurement: 16 windows
# hold about 130 note onsets, and their onset accuracy moves by about 0.1 between two splits of
# the same pieces. `format_check` says so, with the onset accuracy's standard error.
FEW_EVAL_WINDOWS = 200
# Training windows reconstructed this much better than held-out ones (share of note onsets):
# the model learnt its training pieces rather than music like them.
OVERFIT_GAP = 0.10


@dataclass(frozen=True)
class Target:
    metric: str
    kind: str  # "min", "max", "near" (within `value` relative of `reference`) or "points"
    # (within `value` of `reference`, both shares)
    value: float
    reference: str = ""
    only_with: str = ""  # a figure some models have (chords): without it the target is not shown
    not_with: str = ""  # ... and with it the target does not apply (the figure is still shown)

    def applies(self, figures: Mapping[str, float]) -> bool:
        return ((not self.only_with or self.only_with in figures)
                and not (self.not_with and self.not_with in figures))

    def passes(self, figures: Mapping[str, float]) -> bool | None:
        """True/False, or None when the figure is missing (not measured in this run)."""
        got = figures.get(self.metric)
        if got is None or not math.isfinite(got):
            return None
        if self.kind == "min":
            return got >= self.value
        if self.kind == "max":
            return got <= self.value
        reference = figures.get(self.reference)
        if reference is None or not math.isfinite(reference):
            return None
        if self.kind == "points":
            return abs(got - reference) <= self.value
        if reference == 0:
            return None
        return abs(got / reference - 1.0) <= self.value

    def describe(self) -> str:
        if self.kind == "min":
            return f">= {self.value:g}"
        if self.kind == "max":
            return f"<= {self.value:g}"
        if self.kind == "points":
            return f"within {self.value * 100:.0f} points of {self.reference}"
        return f"within {self.value:.0%} of {self.reference}"


def _sample_target_key(temperature: float, name: str) -> str:
    return f"samples_t{temperature:g}.{name}"


TARGET_TEMPERATURE = 0.5
PHRASE = "reference.bar_repeat_share"  # measured for 16-bar melody models only (structure)
TARGETS: tuple[Target, ...] = (
    Target("reconstruction.onset_accuracy", "min", 0.75, not_with=PHRASE),
    Target("reconstruction.accuracy", "min", 0.93, not_with=PHRASE),
    Target(_sample_target_key(TARGET_TEMPERATURE, "in_scale"), "min", 0.93),
    Target(_sample_target_key(TARGET_TEMPERATURE, "onsets_per_bar"), "near", 0.25,
           "reference.onsets_per_bar"),
    # Not for a chord-conditioned model: its samples are in the key of the one progression they
    # are made over, the eval windows in every key of the data.
    Target(_sample_target_key(TARGET_TEMPERATURE, "pitch_class_distance"), "max", 0.10,
           not_with="reference.chord_tones"),
    Target(_sample_target_key(TARGET_TEMPERATURE, "under_4_notes"), "max", 0.05, not_with=PHRASE),
    Target("interpolations.endpoint_match", "min", 0.75, not_with=PHRASE),
    # Chord-conditioned models: samples over a progression put as many of their notes on its
    # chord tones as the held-out windows do on theirs.
    Target(_sample_target_key(TARGET_TEMPERATURE, "chord_tones"), "near", 0.25,
           "reference.chord_tones", only_with="reference.chord_tones"),
    # 16-bar melody models (docs/quality.md, "Phrases"): a phrase is harder to reconstruct than
    # two bars, and must keep the structure of the music it learnt from.
    Target("reconstruction.onset_accuracy", "min", 0.60, only_with=PHRASE),
    Target("reconstruction.accuracy", "min", 0.88, only_with=PHRASE),
    Target("reconstruction.posterior_use_ratio", "min", 3.0, only_with=PHRASE),
    Target(_sample_target_key(TARGET_TEMPERATURE, "under_16_notes"), "max", 0.05,
           only_with=PHRASE),
    Target(_sample_target_key(TARGET_TEMPERATURE, "bar_repeat_share"), "near", 0.30, PHRASE,
           only_with=PHRASE),
    Target(_sample_target_key(TARGET_TEMPERATURE, "key_kept_share"), "points", 0.10,
           "reference.key_kept_share", only_with=PHRASE),
    Target("interpolations.endpoint_match", "min", 0.60, only_with=PHRASE),
)
# Drum models: the melody targets do not apply (their figures and bars were set on melodies);
# the one drum target is the samples' density against the held-out windows' own.
DRUM_TARGETS: tuple[Target, ...] = (
    Target(_sample_target_key(TARGET_TEMPERATURE, "hits_per_bar"), "near", 0.25,
           "reference.hits_per_bar"),
)


# Trio models: the melody targets on samples apply to the melody part, where they mean what they
# mean for a melody model (a melody's onsets per bar, in-scale share, pitch classes, near-silent
# samples); the drum target applies to the drum part. The reconstruction and interpolation
# targets do not apply: their figures pool the three parts (a drum step must match one of 512
# combinations), so they are reported without a target, with each part's onset accuracy.
# The bass has no target: a bass line's in-scale share and density were never held to one.
PART_TARGETS: tuple[Target, ...] = (
    Target(_sample_target_key(TARGET_TEMPERATURE, "melody_in_scale"), "min", 0.93),
    Target(_sample_target_key(TARGET_TEMPERATURE, "melody_onsets_per_bar"), "near", 0.25,
           "reference.melody_onsets_per_bar"),
    Target(_sample_target_key(TARGET_TEMPERATURE, "melody_pitch_class_distance"), "max", 0.10),
    Target(_sample_target_key(TARGET_TEMPERATURE, "melody_under_4_notes"), "max", 0.05),
    *DRUM_TARGETS,
)
# Multi-instrument performance models: the melody targets do not apply (a performance's rows
# are events of several instruments, not a melody's steps); the samples are held to the
# held-out windows' own density and polyphony: as busy, with as many notes together.
POLYPHONY_TARGETS: tuple[Target, ...] = (
    Target(_sample_target_key(TARGET_TEMPERATURE, "notes_per_bar"), "near", 0.25,
           "reference.notes_per_bar"),
    Target(_sample_target_key(TARGET_TEMPERATURE, "polyphony"), "near", 0.25,
           "reference.polyphony"),
)
APPLIES = {  # what format_check says about the targets a kind of model is held to
    "melody": "the melody targets of docs/quality.md",
    "phrases": "the 16-bar melody targets of docs/quality.md (\"Phrases\")",
    "drums": "the drum target only (the melody targets of docs/quality.md apply to melody models)",
    "parts": "the melody targets of docs/quality.md on the samples' melody part (in-scale share, "
             "onsets per bar, pitch-class distance, fewer than 4 notes) and the drum target on "
             "the drum part; the reconstruction and interpolation targets do not apply (their "
             "figures pool the three parts), the bass has none",
    "polyphony": "the polyphony targets only: notes per bar and notes sounding together near "
                 "the held-out windows' own (the melody targets of docs/quality.md apply to "
                 "melody models)",
}


def _targets_kind(features: FeatureSet) -> str:
    if features.parts:
        return "parts"
    return features.kind if features.kind in ("drums", "polyphony") else "melody"


def targets_for(features: FeatureSet) -> tuple[Target, ...]:
    """The targets a model is held to: the melody targets for melody models only, the drum
    target for drum models, the melody part's and the drum part's for trio models, the
    polyphony targets for multi-instrument performance models."""
    return {"melody": TARGETS, "drums": DRUM_TARGETS, "parts": PART_TARGETS,
            "polyphony": POLYPHONY_TARGETS}[_targets_kind(features)]


def drum_set_figures(windows: np.ndarray, features: FeatureSet,
                     reference: np.ndarray | None = None) -> dict[str, float]:
    """Hits per bar, near-empty share (and kit-piece distance to `reference`) of drum windows."""
    table = features.table(np.asarray(windows))
    figures = {"hits_per_bar": float(np.mean(table["hits_per_bar"])),
               "near_empty": float(np.mean(table["steps_with_hits"] < FEW_NOTES))}
    if reference is not None:
        figures[features.distance] = histogram_distance(
            table[features.histogram], features.table(np.asarray(reference))[features.histogram])
    return figures


def polyphony_set_figures(windows: np.ndarray, features: FeatureSet,
                          reference: np.ndarray | None = None) -> dict[str, float]:
    """Notes per bar, polyphony, in-scale share, instruments and the share with fewer than 4
    notes of multiperf windows (and the velocity histogram's distance to `reference`)."""
    table = features.table(np.asarray(windows))
    figures = {name: float(np.nanmean(table[name])) if np.isfinite(table[name]).any()
               else float("nan") for name in features.scalars}
    figures[f"under_{FEW_NOTES}_notes"] = float(np.mean(table["notes"] < FEW_NOTES))
    if reference is not None:
        figures[features.distance] = histogram_distance(
            table[features.histogram], features.table(np.asarray(reference))[features.histogram])
    return figures


def part_set_figures(windows: np.ndarray, features: FeatureSet,
                     reference: np.ndarray | None = None) -> dict[str, float]:
    """Per-part figures of windows of several parts: `melody_onsets_per_bar`, `bass_in_scale`,
    `melody_under_4_notes`, ..., the drum part's `hits_per_bar` and `near_empty` (and each
    part's distance to `reference`: `melody_pitch_class_distance`, ..., `kit_distance`)."""
    windows = np.asarray(windows)
    table = features.table(windows)
    other = features.table(np.asarray(reference)) if reference is not None else None
    bars = windows.shape[1] / STEPS_PER_BAR
    figures: dict[str, float] = {}
    for part in features.parts:
        if part == "drums":
            figures["hits_per_bar"] = float(np.mean(table["hits_per_bar"]))
            figures["near_empty"] = float(np.mean(table["steps_with_hits"] < FEW_NOTES))
            if other is not None:
                figures["kit_distance"] = histogram_distance(table["kit_pieces"],
                                                             other["kit_pieces"])
            continue
        density = table[f"{part}_note_density"]
        in_scale = table[f"{part}_in_scale"]
        figures[f"{part}_onsets_per_bar"] = float(np.mean(density))
        figures[f"{part}_in_scale"] = (float(np.nanmean(in_scale)) if np.isfinite(in_scale).any()
                                       else float("nan"))
        figures[f"{part}_under_4_notes"] = float(np.mean(np.rint(density * bars) < FEW_NOTES))
        if other is not None:
            figures[f"{part}_pitch_class_distance"] = histogram_distance(
                table[f"{part}_pitch_classes"], other[f"{part}_pitch_classes"])
    return figures


def set_figures(windows: np.ndarray, reference: np.ndarray | None = None,
                features: FeatureSet = MELODY_FEATURES) -> dict[str, float]:
    """Onsets per bar, in-scale share, few-note share (and pitch-class distance to `reference`);
    drum windows: `drum_set_figures`."""
    windows = np.asarray(windows)
    if len(windows) == 0:
        raise ValueError("no windows to measure")
    if features.parts:
        return part_set_figures(windows, features, reference)
    if features.kind == "drums":
        return drum_set_figures(windows, features, reference)
    if features.kind == "polyphony":
        return polyphony_set_figures(windows, features, reference)
    features = [scalar_features(w) for w in windows]
    onsets = np.array([int(np.sum(np.asarray(w) >= ev.FIRST_NOTE_ON)) for w in windows])
    in_scale = np.array([f["in_scale"] for f in features], np.float64)
    figures = {
        "onsets_per_bar": float(np.mean([f["note_density"] for f in features])),
        "in_scale": float(np.nanmean(in_scale)) if np.isfinite(in_scale).any() else float("nan"),
        "under_4_notes": float(np.mean(onsets < FEW_NOTES)),
    }
    if windows.shape[1] >= structure.PHRASE_STEPS:  # whole phrases: their structure too
        figures[f"under_{structure.FEW_PHRASE_NOTES}_notes"] = float(
            np.mean(onsets < structure.FEW_PHRASE_NOTES))
        figures.update(structure.structure_figures(windows))
    if reference is not None:
        figures["pitch_class_distance"] = pitch_class_distance(windows, reference)
    return figures


def reconstruction_figures(model, windows: np.ndarray, batch_size: int = 256,
                           chords: np.ndarray | None = None
                           ) -> tuple[dict[str, float], np.ndarray]:
    """Greedy decodes of the windows from their mu, and how much of the input they keep (a
    chord-conditioned model encodes and decodes each window over its chord classes `chords`)."""
    windows = np.asarray(windows, np.int64)
    decoded = []
    for start in range(0, len(windows), batch_size):
        rows = slice(start, start + batch_size)
        controls = conditioning.vectors(model, None if chords is None else chords[rows])
        _, mu, _ = model.encode(windows[rows], controls=controls)
        greedy, _ = model.decode(mu, temperature=0.0, keep_logits=False, controls=controls)
        decoded.append(np.asarray(greedy))
    decoded = np.concatenate(decoded).astype(np.int64)
    converter = model.config.converter
    figures = {
        "accuracy": step_accuracy(windows, decoded),
        "onset_accuracy": onset_accuracy(converter, windows, decoded),
        "onset_accuracy_se": onset_accuracy_error(converter, windows, decoded),
        "no_event_baseline": no_event_share(converter, windows),
        "windows": float(len(windows)),
    }
    if len(converter.part_depths) > 1:  # each part's own: [n, steps, parts]
        onsets = converter.starts_event(windows)
        for index, part in enumerate(converter.part_names):
            mine = onsets[..., index]
            figures[f"{part}_onset_accuracy"] = (
                float(np.mean(decoded[..., index][mine] == windows[..., index][mine]))
                if mine.any() else float("nan"))
    return figures, decoded


def onset_accuracy_error(converter: WindowConverter, windows: np.ndarray,
                         decoded: np.ndarray) -> float:
    """Standard error of the pooled onset accuracy over windows (a ratio estimate: windows are
    the independent draws, their onsets are not); NaN under two windows with onsets."""
    onsets = converter.starts_event(windows).reshape(len(windows), -1)
    kept = (onsets & (np.asarray(decoded) == np.asarray(windows)).reshape(len(windows), -1))
    counts, hits = onsets.sum(axis=1)[onsets.any(axis=1)], kept.sum(axis=1)[onsets.any(axis=1)]
    n = len(counts)
    if n < 2:
        return float("nan")
    share = hits.sum() / counts.sum()
    residual = hits - share * counts
    return float(np.sqrt(n / (n - 1) * np.sum(residual ** 2)) / counts.sum())


def quality_report(model, windows: np.ndarray, *, temperatures: Sequence[float],
                   num_samples: int = schema_default("generate.quality.samples"),
                   seed: int = 0, chords: np.ndarray | None = None,
                   sample_chords: np.ndarray | None = None,
                   train_windows: np.ndarray | None = None,
                   train_chords: np.ndarray | None = None,
                   prior: str = schema_default("models.sample_prior")
                   ) -> tuple[dict[str, float], np.ndarray]:
    """Flat figures (`reconstruction.*`, `reference.*`, `samples_t{T}.*`) and the greedy
    reconstructions of `windows` (for a reconstruction strip). A chord-conditioned model
    takes the windows' chord classes `chords` [n, steps] and samples over `sample_chords`
    [steps]. With `train_windows` (and their `train_chords`), the same reconstruction of
    training windows (`train_reconstruction.*`): against the held-out figures, how much the
    model learnt its pieces rather than music like them. Samples draw z from `prior`
    (`serenade.models.latent_prior`)."""
    windows = np.asarray(windows, np.int64)
    features = features_for(model.config.converter)
    recon, decoded = reconstruction_figures(model, windows, chords=chords)
    if features.kind == "melody" and windows.shape[1] >= structure.PHRASE_STEPS:
        recon.update(structure.posterior_use(model, windows, decoded, seed=seed))
        by_bar = structure.onsets_by_bar(model.config.converter, windows, decoded)
        recon.update({f"onset_accuracy_bar_{k:02d}": v for k, v in enumerate(by_bar, 1)})
    figures = {f"reconstruction.{k}": v for k, v in recon.items()}
    if train_windows is not None and len(train_windows):
        train, _ = reconstruction_figures(model, np.asarray(train_windows, np.int64),
                                          chords=train_chords)
        figures.update({f"train_reconstruction.{k}": train[k]
                        for k in ("accuracy", "onset_accuracy", "windows")})
    reference = set_figures(windows, features=features)
    figures.update({f"reference.{k}": v for k, v in reference.items()
                    if not k.endswith("under_4_notes")})
    if chords is not None:
        figures["reference.chord_tones"] = chord_tone_share(model.config.converter, windows,
                                                            chords)
    for index, temperature in enumerate(temperatures):
        samples, _ = model.sample(num_samples, temperature=float(temperature), seed=seed + index,
                                  keep_logits=False,
                                  controls=conditioning.vectors(model, sample_chords),
                                  prior=prior)
        for name, value in set_figures(np.asarray(samples), windows, features).items():
            figures[_sample_target_key(float(temperature), name)] = value
        if sample_chords is not None:
            figures[_sample_target_key(float(temperature), "chord_tones")] = chord_tone_share(
                model.config.converter, np.asarray(samples), sample_chords)
    return figures, decoded


def chord_tone_share(converter, windows: np.ndarray, chords: np.ndarray) -> float:
    """Share of the note onsets over a chord (N.C. steps left out) that are one of its tones;
    `chords` [n, steps] or [steps] for every window (a chord converter's windows)."""
    onsets, on_tones = converter.chord_tone_onsets(windows, chords)
    return float(on_tones.sum() / onsets.sum()) if onsets.any() else float("nan")


def endpoint_match(converter: WindowConverter, inputs: Iterable[np.ndarray],
                   endpoints: Iterable[np.ndarray]) -> float:
    """Share of the inputs' note onsets that the decoded endpoints reproduce (all pooled)."""
    inputs = np.stack([np.asarray(w) for w in inputs])  # [k, steps] or [k, steps, parts]
    endpoints = np.stack([np.asarray(w) for w in endpoints])
    return onset_accuracy(converter, inputs, endpoints)


def check(figures: Mapping[str, float], targets: Sequence[Target] = TARGETS
          ) -> list[tuple[Target, float | None, bool | None]]:
    """(target, figure or None, passed or None) for every target."""
    rows = []
    for target in (t for t in targets if t.applies(figures)):
        value = figures.get(target.metric)
        rows.append((target, None if value is None else float(value), target.passes(figures)))
    return rows


def format_check(model: str, figures: Mapping[str, float],
                 features: FeatureSet = MELODY_FEATURES, sampled_from: str | None = None) -> str:
    """A readable table of the figures against their targets (what `make run` prints), saying
    which targets apply (and what the samples drew z from, when given); a drum or trio model's
    other figures follow, without a target."""
    targets = targets_for(features)
    kind = _targets_kind(features)
    windows = int(figures.get("reconstruction.windows", 0))
    lines = [f"Quality of {model} (held-out windows: {windows}):"]
    if "reconstruction.windows" in figures and windows < FEW_EVAL_WINDOWS:
        lines.append(_few_windows_caution(windows, figures))
    lines.append(f"  targets: {APPLIES['phrases' if PHRASE in figures else kind]}")
    if sampled_from:
        lines.append(f"  samples drew z from {sampled_from}")
    for target, value, passed in check(figures, targets):
        mark = {True: "ok", False: "misses target", None: "not measured"}[passed]
        shown = "-" if value is None else f"{value:.3f}"
        extra = ""
        if target.kind in ("near", "points") and target.reference in figures:
            extra = f" (reference {figures[target.reference]:.3f})"
        lines.append(f"  {target.metric:<38} {shown:>7}  target {target.describe()}{extra}: {mark}")
    # measured, but held to no target for this model (2- and 16-bar targets share metric names)
    held = {target.metric for target in targets if target.applies(figures)}
    for metric in dict.fromkeys(t.metric for t in targets if t.metric in figures):
        if metric not in held:
            lines.append(f"  {metric:<38} {figures[metric]:>7.3f}  no target for this model "
                         "(docs/quality.md)")
    if kind != "melody":
        lines.append("  figures without a target (held-out windows' own in brackets):")
        covered = {target.metric for target in targets}
        for name in sorted(figures):
            if (name in covered or name.startswith(("reference.", "train_reconstruction."))
                    or name.endswith((".windows", "_se"))):
                continue
            own = figures.get(f"reference.{name.rsplit('.', 1)[-1]}")
            extra = f" ({own:.3f})" if own is not None and name.startswith("samples_") else ""
            lines.append(f"  {name:<38} {figures[name]:>7.3f}{extra}")
    by_bar = _by_bar_line(figures)
    if by_bar:
        lines.append(by_bar)
    overfitting = _overfitting_line(figures)
    if overfitting:
        lines.append(overfitting)
    baseline = figures.get("reconstruction.no_event_baseline")
    if baseline is not None:
        lines.append(f"  (always predicting 'no event' scores {baseline:.3f} over all steps)")
    return "\n".join(lines)


def _by_bar_line(figures: Mapping[str, float]) -> str | None:
    """A phrase model's reconstructed onsets bar by bar, on one line."""
    values = [figures[name] for name in sorted(figures)
              if name.startswith("reconstruction.onset_accuracy_bar_")]
    if not values:
        return None
    return "  onsets reconstructed, bar by bar: " + " ".join(f"{v:.2f}" for v in values)


def _few_windows_caution(windows: int, figures: Mapping[str, float]) -> str:
    error = figures.get("reconstruction.onset_accuracy_se")
    spread = (f" (onset accuracy +- {error:.3f}, its standard error over windows)"
              if error is not None and math.isfinite(error) else "")
    return (f"  CAUTION: only {windows} held-out windows (fewer than {FEW_EVAL_WINDOWS}): the "
            f"figures are a rough sign{spread};\n    a figure near its target may land on the "
            "other side with other pieces held out: hold out more pieces to measure")


def _overfitting_line(figures: Mapping[str, float]) -> str | None:
    """Training against held-out reconstruction (note onsets), flagged when they diverge."""
    train = figures.get("train_reconstruction.onset_accuracy")
    held_out = figures.get("reconstruction.onset_accuracy")
    if train is None or held_out is None or not (math.isfinite(train) and math.isfinite(held_out)):
        return None
    compared = (f"training windows' onsets reconstructed {train:.3f}, held-out {held_out:.3f} "
                f"({int(figures.get('train_reconstruction.windows', 0))} training windows)")
    if train - held_out > OVERFIT_GAP:
        return (f"  OVERFITTING: {compared}: a gap of {train - held_out:.3f} (over "
                f"{OVERFIT_GAP:g}); the model learnt its training pieces more than music like "
                "them (more pieces, or fewer training steps)")
    return f"  train vs held-out: {compared}: no sign of overfitting"
