"""Write one generated piece as files people can use: MIDI, a piano-roll PNG of the same stem
beside it, and a WAV where audio is on. Tempo, instrument (General MIDI program) and velocity
come from the caller (the config), so every output of a job sounds alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from serenade.config_schema import defaults_of, schema_default

_AUDIO = defaults_of("generate.audio")  # the schema is the one source of these defaults


@dataclass(frozen=True)
class RenderSettings:
    """How every output of a job is rendered: the rendering keys of `generate:`."""

    program: int = schema_default("generate.program")  # General MIDI (0 = acoustic grand piano)
    velocity: int = schema_default("generate.velocity")
    audio: bool = _AUDIO["enabled"]
    audio_backend: str = _AUDIO["backend"]  # auto | fluidsynth | builtin (generation.audio)
    sample_rate: int = _AUDIO["sample_rate"]
    soundfont: str | None = _AUDIO["soundfont"] or None  # None: $SERENADE_SOUNDFONT or the system's

    @classmethod
    def from_config(cls, section: dict | None) -> "RenderSettings":
        """From the validated `generate:` section (or its rendering part); None: the defaults."""
        if section is None:
            return cls()
        audio = section["audio"]
        return cls(program=int(section["program"]), velocity=int(section["velocity"]),
                   audio=bool(audio["enabled"]), audio_backend=audio["backend"],
                   sample_rate=int(audio["sample_rate"]), soundfont=audio["soundfont"] or None)


@dataclass
class WrittenPiece:
    midi: Path
    png: Path
    wav: Path | None

    def files(self) -> list[Path]:
        return [p for p in (self.midi, self.png, self.wav) if p is not None]


def write_piece(events: np.ndarray, converter, midi_path: str | Path, *, qpm: float,
                settings: RenderSettings = RenderSettings(), title: str | None = None,
                chords: np.ndarray | None = None) -> WrittenPiece:
    """events [steps] or [n, steps] (windows laid end to end) -> MIDI + PNG (+ WAV). A
    chord-conditioned model's pieces come with the chord classes they were made over
    ([steps] or [n, steps]): written as chord symbols and played as soft block chords."""
    from serenade.generation.audio import render_wav
    from serenade.generation.pianoroll import plot_piano_roll

    midi_path = Path(midi_path)
    midi_path.parent.mkdir(parents=True, exist_ok=True)
    extra = {} if chords is None else {"chords": np.asarray(chords), "chord_part": True}
    sequence = converter.to_note_sequence(np.asarray(events), qpm=qpm, velocity=settings.velocity,
                                          program=settings.program, **extra)
    if chords is None:
        from serenade.melody.rendering import write_midi

        write_midi(sequence, midi_path)
    else:  # a converter with controls writes its chord symbols too
        converter.write_note_sequence(sequence, midi_path, qpm)
    png = plot_piano_roll(sequence, midi_path.with_suffix(".png"), title=title or midi_path.stem)
    wav = None
    if settings.audio:
        wav, _ = render_wav(midi_path, midi_path.with_suffix(".wav"),
                            sample_rate=settings.sample_rate, soundfont=settings.soundfont,
                            backend=settings.audio_backend)
    return WrittenPiece(midi_path, png, wav)


def write_strip(rows: Sequence[np.ndarray], converter, png_path: str | Path, *, qpm: float,
                titles: Sequence[str] | None = None, title: str | None = None,
                columns: int = 8) -> Path:
    """One strip image with a small piano roll per row of events (`columns` per line)."""
    from serenade.generation.pianoroll import plot_strip

    sequences = [converter.to_note_sequence(np.asarray(row), qpm=qpm) for row in rows]
    return plot_strip(sequences, png_path, titles=titles, title=title, columns=columns)
