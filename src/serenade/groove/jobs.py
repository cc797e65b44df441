"""What users do with GrooVAE (magenta's GrooVAE colab and Magenta Studio's Groove and Drumify):
a drum part in, a performance with velocities and micro-timing out.

Each job is magenta's encode -> decode of one config, whose converter changes what the encoder
sees while the decoder writes the whole performance (hits, velocities, offsets of every class):

- humanize (a `humanize` converter, groovae_2bar_humanize): the encoder sees the hits only, so a
  quantized loop at one velocity comes back with the velocities and timing of a drummer;
- tap (a `tapify` converter, groovae_2bar_tap_fixed_velocity[_note_dropout]): the encoder sees one
  tap per step (the loudest note's timing on one column), so a rhythm tapped on any one voice,
  drum or pitched, comes back as a kit part. Every note is read as a drum tap first: magenta's
  converter knows drum pitches only;
- add-hihat (an `add_instruments` converter, groovae_2bar_add_closed_hh): the encoder never sees
  the added classes, the decoder writes them. The job keeps the input's other hits as they are
  (step, velocity, timing, at the converter's resolution) and takes only the added classes
  from the decode, so the groove you wrote is not re-interpreted; `whole=True` keeps the
  model's whole decode instead.

The input is converted whole as magenta does (one tempo and time signature, 16 steps per bar)
and cut into the config's windows end to end (a last partial window is left out); humanize and
add-hihat read the drum notes only (pitched tracks are ignored). The output keeps the input's
tempo. Encoding takes the posterior mean (z = mu) and hits are drawn at `temperature`
(0: the most likely), so a job with a seed gives the same MIDI every run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.groove.configs import CONVERTERS
from serenade.groove.converter import DEFAULT_QPM, TAP_CLASS, GrooveConverter, GrooveTensors


class GrooveInputError(ValueError):
    """An input the job cannot use (no drums, too short); the message says why, the caller
    names the file."""


@dataclass(frozen=True)
class Job:
    """One GrooVAE job: its name and the converter option it needs."""

    name: str
    needs: str  # said when a config lacks it

    def fits(self, converter: GrooveConverter) -> bool:
        if self.name == "humanize":
            return converter.humanize
        if self.name == "tap":
            return converter.tapify
        return bool(converter.add_instruments)


JOBS: dict[str, Job] = {job.name: job for job in (
    Job("humanize", "an encoder that sees the hits only (the converter's humanize)"),
    Job("tap", "an encoder that sees one tap per step (the converter's tapify)"),
    Job("add-hihat", "an encoder that never sees the added instrument (add_instruments)"),
)}


def configs_for(job: Job) -> list[str]:
    """magenta's configs whose converter does `job`."""
    return [name for name, converter in CONVERTERS.items() if job.fits(converter)]


def check_config(job: Job, config_name: str, converter: GrooveConverter) -> None:
    """ValueError when `config_name`'s converter cannot do `job`, naming the configs that can."""
    if not job.fits(converter):
        raise ValueError(f"config {config_name} cannot {job.name}: the job needs {job.needs}; "
                         f"use {' or '.join(configs_for(job))}")


def prepared(job: Job, sequence: music_pb2.NoteSequence, converter: GrooveConverter
             ) -> music_pb2.NoteSequence:
    """What the converter reads: the drum notes (humanize, add-hihat), or every note as a drum
    tap on the tap class (tap); GrooveInputError when nothing is left."""
    if job.name == "tap":
        result = music_pb2.NoteSequence()
        result.CopyFrom(sequence)
        tap_pitch = converter.classes_for("infer").exemplar(TAP_CLASS)
        for note in result.notes:
            note.pitch, note.is_drum = tap_pitch, True
        if not result.notes:
            raise GrooveInputError("no notes to read as taps")
    else:
        result = drum_notes(sequence)
        if not result.notes:
            raise GrooveInputError(f"no drum notes (General MIDI channel 10); {job.name} "
                                   "reads the drum tracks only")
    return result


def drum_notes(sequence: music_pb2.NoteSequence) -> music_pb2.NoteSequence:
    """The sequence with its drum notes only: magenta's converter reads every note, and a
    pitched track beside the drums would be read as drums (or stop it at an unknown pitch)."""
    result = music_pb2.NoteSequence()
    result.CopyFrom(sequence)
    del result.notes[:]
    result.notes.extend(note for note in sequence.notes if note.is_drum)
    return result


def qpm_of(sequence: music_pb2.NoteSequence) -> float:
    """The tempo the converter reads (its first), 120 without one as note-seq quantizes."""
    return sequence.tempos[0].qpm if sequence.tempos else DEFAULT_QPM


@dataclass(frozen=True)
class JobResult:
    """A job's windows: the input as the converter reads it (`performance.outputs`, the
    encoder's view `performance.inputs`), the model's decode and what is written."""

    performance: GrooveTensors
    decoded: np.ndarray   # float32 [n, T, 3 * drums]: the model's decode
    written: np.ndarray   # float32 [n, T, 3 * drums]: the output's windows
    qpm: float
    steps_left_out: int   # steps of drums after the last whole window

    def note_sequence(self, converter: GrooveConverter) -> music_pb2.NoteSequence:
        """The output at the input's tempo, velocities and micro-timing included."""
        return converter.to_note_sequence(self.written, qpm=self.qpm)


def reconstruct(model, performance: GrooveTensors, *, temperature: float = 0.0,
                seed: int | None = None) -> np.ndarray:
    """The model's decode [n, T, 3 * drums] of the posterior mean of each window's encoder
    inputs (with its controls, for a config that has them): hits drawn at `temperature`."""
    controls = performance.controls.astype(np.float32) if model.control_depth else None
    _, mu, _ = model.encode(performance.inputs, controls=controls)
    decoded, _ = model.decode(mu, temperature, seed=seed, controls=controls)
    return decoded


def run_job(model, job: Job, sequence: music_pb2.NoteSequence, *, temperature: float = 0.0,
            seed: int | None = None, whole: bool = False) -> JobResult:
    """Run `job` on a NoteSequence with a loaded GrooveVAE `model` (whose config must fit the
    job). GrooveInputError for an input without drums or shorter than a window;
    `UnmappedDrumPitch` (a KeyError) for a drum pitch in none of the classes."""
    converter: GrooveConverter = model.config.converter
    check_config(job, model.config.name, converter)
    source = prepared(job, sequence, converter)
    grid = converter.grid(source, "infer")
    reason = converter.explain(source, "infer")
    if grid is None or reason:
        raise GrooveInputError(reason)
    rng = np.random.RandomState(seed)  # note dropout (a config's), as magenta draws it
    performance = converter.tensors_for(grid, rng)
    decoded = reconstruct(model, performance, temperature=temperature, seed=seed)
    written = decoded
    if job.name == "add-hihat" and not whole:
        written = performance.outputs.copy()
        drums = converter.num_drums
        columns = [part * drums + (c % drums) for part in range(3)
                   for c in converter.add_instruments]
        written[..., columns] = decoded[..., columns]
    steps = len(performance) * converter.window_steps
    return JobResult(performance, decoded, written, qpm_of(sequence), grid.steps - steps)


__all__ = ["JOBS", "GrooveInputError", "Job", "JobResult", "check_config", "configs_for",
           "drum_notes", "prepared", "qpm_of", "reconstruct", "run_job"]
