"""Reconstructions of real drum performances through a GrooVAE model's encoder view, and their
figures (`quality.compare`): what `serenade groove quality` prints and the workflow's quality
check of a GrooVAE model writes. Each performance's drum notes are converted whole in "infer"
mode (the General MIDI classes), every window encoded (posterior mean) and decoded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.groove import jobs, quality
from serenade.groove.converter import UnmappedDrumPitch


@dataclass
class Reconstructions:
    """The windows measured, their decodes, one step's seconds per window, the figures and the
    pieces passed by (name: why)."""

    references: np.ndarray
    decoded: np.ndarray
    seconds: np.ndarray
    figures: dict[str, float]
    pieces: int
    skipped: list[str] = field(default_factory=list)


def reconstruct_performances(model, sequences: Iterable[tuple[str, music_pb2.NoteSequence]], *,
                             temperature: float = 0.0, seed: int | None = None,
                             max_windows: int | None = None) -> Reconstructions:
    """Reconstruct every window of the (name, sequence) pairs (up to `max_windows` in all) and
    measure them; ValueError when none gives a window."""
    converter = model.config.converter
    references, decoded, seconds, skipped, pieces = [], [], [], [], 0
    for name, sequence in sequences:
        held = sum(len(r) for r in references)
        if max_windows is not None and held >= max_windows:
            break
        drums = jobs.drum_notes(sequence)
        try:
            tensors = converter.to_tensors(drums, "infer", rng=np.random.RandomState(seed))
        except UnmappedDrumPitch as error:
            skipped.append(f"{name}: {str(error).strip(chr(39))}")
            continue
        if not len(tensors):
            skipped.append(f"{name}: {converter.explain(drums, 'infer') or 'no window'}")
            continue
        if max_windows is not None and held + len(tensors) > max_windows:
            keep = max_windows - held
            tensors = type(tensors)(tensors.inputs[:keep], tensors.outputs[:keep],
                                    tensors.controls[:keep], tensors.lengths[:keep])
        references.append(tensors.outputs)
        decoded.append(jobs.reconstruct(model, tensors, temperature=temperature, seed=seed))
        step = quality.step_seconds(jobs.qpm_of(sequence), converter.steps_per_quarter)
        seconds += [step] * len(tensors)
        pieces += 1
    if not references:
        raise ValueError(f"none of the inputs yields a {model.config.name} window of drums"
                         + (f" ({'; '.join(skipped[:3])})" if skipped else ""))
    references_, decoded_ = np.concatenate(references), np.concatenate(decoded)
    figures = quality.compare(references_, decoded_, np.asarray(seconds),
                              converter.classes_for("infer").names)
    return Reconstructions(references_, decoded_, np.asarray(seconds), figures, pieces, skipped)


__all__ = ["Reconstructions", "reconstruct_performances"]
