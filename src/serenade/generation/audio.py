"""WAV audio for MIDI files: FluidSynth with a General MIDI soundfont, or a built-in synth.

FluidSynth (the `fluidsynth` program) renders with the soundfont's instruments, so the program
chosen in config is heard. Where the program or a soundfont is missing, a small additive synth
(a few sine harmonics with an attack-decay-sustain-release envelope, one timbre for every
instrument) renders instead and ONE warning per process says so and how to get the real thing.

Soundfont search order: the `soundfont` argument, $SERENADE_SOUNDFONT, then the Debian/Ubuntu
locations of `fluid-soundfont-gm` and the distribution's default GM soundfont.

Every render is then peak-normalised to PEAK_DBFS: FluidSynth's output of a single melody line
peaks around -20 dBFS, far quieter than other audio, and level jumps between pieces of one
player page would be heard as differences between the pieces.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
import wave
from pathlib import Path

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.config_schema import schema_default

SAMPLE_RATE = schema_default("generate.audio.sample_rate")
SOUNDFONT_CANDIDATES = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/soundfonts/default.sf2",
)
FLUIDSYNTH_TIMEOUT_S = 300
PEAK_DBFS = -1.0  # headroom against inter-sample peaks in lossy re-encodes
MAX_GAIN_DB = 40.0  # a near-silent render stays near silent rather than amplified noise

_fallback_warned = False


class AudioError(RuntimeError):
    """Rendering failed for a reason the user must fix (unreadable MIDI, bad soundfont)."""


def find_fluidsynth() -> str | None:
    return shutil.which("fluidsynth")


def find_soundfont(soundfont: str | os.PathLike | None = None) -> Path | None:
    """The soundfont to use, or None when there is none."""
    if soundfont:
        path = Path(soundfont)
        if not path.is_file():
            raise AudioError(f"soundfont {path} not found")
        return path
    configured = os.environ.get("SERENADE_SOUNDFONT")
    for candidate in ([configured] if configured else []) + list(SOUNDFONT_CANDIDATES):
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def _warn_fallback(reason: str) -> None:
    global _fallback_warned
    if _fallback_warned:
        return
    _fallback_warned = True
    message = (f"{reason}: WAV files are rendered with Serenade's simple built-in synth (sine "
               "tones, one timbre). For real instruments install FluidSynth and a General MIDI "
               "soundfont (Debian/Ubuntu: apt-get install fluidsynth fluid-soundfont-gm) or set "
               "SERENADE_SOUNDFONT to an .sf2 file.")
    # A warning, not a log line: the workflow shows each warning once per run on the console
    # (however many jobs render audio) and keeps it in every job's log; the CLI prints it.
    warnings.warn(message, RuntimeWarning, stacklevel=3)


def render_wav(midi_path: str | os.PathLike, wav_path: str | os.PathLike | None = None, *,
               sample_rate: int = SAMPLE_RATE, soundfont: str | os.PathLike | None = None,
               backend: str = "auto") -> tuple[Path, str]:
    """Render a MIDI file to WAV (by default beside it); returns (path, backend used).

    backend: "auto" (FluidSynth when it and a soundfont are there, else the built-in synth),
    "fluidsynth" (fail when absent) or "builtin".
    """
    midi_path = Path(midi_path)
    wav_path = Path(wav_path) if wav_path else midi_path.with_suffix(".wav")
    if backend not in ("auto", "fluidsynth", "builtin"):
        raise ValueError(f"unknown audio backend {backend!r}; use auto, fluidsynth or builtin")
    if not midi_path.is_file():
        raise AudioError(f"{midi_path}: no such MIDI file")
    wav_path.parent.mkdir(parents=True, exist_ok=True)
    from serenade.base.midi_parser import read_midi

    try:  # read it first: fluidsynth's own message for a bad file is "No midi file specified!"
        sequence = read_midi(midi_path)
    except ValueError as error:
        raise AudioError(str(error)) from None
    if backend != "builtin":
        program = find_fluidsynth()
        font = find_soundfont(soundfont)
        if program and font:
            _fluidsynth(program, font, midi_path, wav_path, sample_rate)
            normalize_peak(wav_path)
            return wav_path, "fluidsynth"
        missing = "the fluidsynth program" if not program else "a General MIDI soundfont"
        if backend == "fluidsynth":
            raise AudioError(f"cannot render {midi_path} with FluidSynth: {missing} not found")
        _warn_fallback(f"{missing} not found")
    write_wav(wav_path, synthesize(sequence, sample_rate), sample_rate)
    normalize_peak(wav_path)
    return wav_path, "builtin"


def normalize_peak(wav_path: str | os.PathLike, peak_dbfs: float = PEAK_DBFS) -> float:
    """Scale a 16-bit PCM WAV in place so its highest sample is at `peak_dbfs` (gain at most
    MAX_GAIN_DB; silence stays silent); returns the gain applied, in dB."""
    with wave.open(str(wav_path), "rb") as handle:
        params = handle.getparams()
        if params.sampwidth != 2:
            raise AudioError(f"{wav_path}: {8 * params.sampwidth}-bit samples; expected 16-bit")
        samples = np.frombuffer(handle.readframes(params.nframes), "<i2").astype(np.float64)
    peak = np.abs(samples).max(initial=0.0) / 32768.0
    if peak == 0.0:
        return 0.0
    gain_db = min(peak_dbfs - 20.0 * np.log10(peak), MAX_GAIN_DB)
    scaled = np.clip(np.round(samples * 10.0 ** (gain_db / 20.0)), -32768, 32767).astype("<i2")
    with wave.open(str(wav_path), "wb") as handle:
        handle.setparams(params)
        handle.writeframes(scaled.tobytes())
    return float(gain_db)


def _fluidsynth(program: str, soundfont: Path, midi_path: Path, wav_path: Path,
                sample_rate: int) -> None:
    # -n: no MIDI input driver, -i: no shell, -q: quiet, -F: render to file (faster than real time)
    command = [program, "-ni", "-q", "-g", "0.6", "-r", str(sample_rate), "-F", str(wav_path),
               str(soundfont), str(midi_path)]
    try:
        result = subprocess.run(command, capture_output=True, text=True,
                                timeout=FLUIDSYNTH_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise AudioError(f"fluidsynth took more than {FLUIDSYNTH_TIMEOUT_S} s on {midi_path}") from None
    if result.returncode != 0 or not wav_path.is_file() or wav_path.stat().st_size <= 44:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise AudioError(f"fluidsynth failed on {midi_path} (exit {result.returncode}): "
                         f"{detail[-1] if detail else 'no output written'}")


# -- built-in synth -------------------------------------------------------------------------

HARMONICS = ((1.0, 1.0), (2.0, 0.35), (3.0, 0.15), (4.0, 0.06))  # (multiple, amplitude)
ATTACK_S, DECAY_S, SUSTAIN, RELEASE_S = 0.01, 0.12, 0.6, 0.08


def _envelope(length: int, held: int, sample_rate: int) -> np.ndarray:
    """ADSR over `length` samples, the note held for `held` of them, then released."""
    t = np.arange(length) / sample_rate
    attack, decay = ATTACK_S, DECAY_S
    env = np.where(t < attack, t / attack,
                   np.maximum(SUSTAIN, 1.0 - (1.0 - SUSTAIN) * (t - attack) / decay))
    level_at_release = env[min(held, length) - 1] if held > 0 else 0.0
    after = t >= held / sample_rate
    release = level_at_release * np.maximum(0.0, 1.0 - (t - held / sample_rate) / RELEASE_S)
    return np.where(after, release, env)


DRUM_DECAY_S = 0.18
KICKS = {35, 36}  # a falling sine
CYMBALS = {42, 44, 46, 49, 51, 52, 53, 55, 57, 59}  # bright noise; other drums darker noise
RINGING = {46, 49, 51, 52, 55, 57, 59}  # open hi-hat, crashes, rides: the full decay


def _drum_hit(pitch: int, length: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """A short percussive sound for the built-in synth (FluidSynth plays the kit itself)."""
    t = np.arange(length) / sample_rate
    if pitch in KICKS:
        return np.sin(2 * np.pi * (50.0 * t + 1.8 * (1 - np.exp(-t / 0.03)))) * np.exp(-t / 0.12)
    noise = rng.standard_normal(length)
    if pitch not in CYMBALS:
        noise = np.convolve(noise, np.ones(4) / 4, mode="same")
    decay = DRUM_DECAY_S if pitch in RINGING else DRUM_DECAY_S / 3
    return 0.6 * noise * np.exp(-t / decay)


def synthesize(sequence: music_pb2.NoteSequence, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Mono float32 audio in [-1, 1] for `sequence`: harmonic tones for pitched notes and short
    percussive sounds for drums (seeded, so a file always renders the same)."""
    notes = [note for note in sequence.notes if note.is_drum or note.end_time > note.start_time]
    end = max((max(note.end_time, note.start_time + DRUM_DECAY_S) if note.is_drum else note.end_time
               for note in notes), default=0.0) + RELEASE_S + 0.05
    audio = np.zeros(max(int(end * sample_rate), 1), np.float64)
    rng = np.random.default_rng(0)
    for note in notes:
        if note.is_drum:
            start = int(note.start_time * sample_rate)
            length = min(int(DRUM_DECAY_S * sample_rate), len(audio) - start)
            if length > 0:
                audio[start:start + length] += (note.velocity / 127.0) * _drum_hit(
                    note.pitch, length, sample_rate, rng)
            continue
        start = int(note.start_time * sample_rate)
        held = max(int((note.end_time - note.start_time) * sample_rate), 1)
        length = min(held + int(RELEASE_S * sample_rate), len(audio) - start)
        if length <= 0:
            continue
        t = np.arange(length) / sample_rate
        frequency = 440.0 * 2.0 ** ((note.pitch - 69) / 12.0)
        tone = sum(amplitude * np.sin(2 * np.pi * frequency * multiple * t)
                   for multiple, amplitude in HARMONICS if frequency * multiple < sample_rate / 2)
        audio[start:start + length] += (note.velocity / 127.0) * tone * _envelope(length, held,
                                                                                   sample_rate)
    peak = np.abs(audio).max()
    if peak > 0:
        audio *= 0.8 / max(peak, 1.0)
    return audio.astype(np.float32)


def write_wav(path: str | os.PathLike, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Path:
    """16-bit mono PCM WAV."""
    path = Path(path)
    samples = (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(sample_rate)
        handle.writeframes(samples.tobytes())
    return path
