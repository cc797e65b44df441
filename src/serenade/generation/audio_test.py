import wave

import numpy as np
import pytest

from serenade.generation import audio

from testing.music_files import write_midi_tracks


def _read(path):
    with wave.open(str(path), "rb") as handle:
        frames = handle.readframes(handle.getnframes())
        data = np.frombuffer(frames, "<i2").reshape(-1, handle.getnchannels())
        return handle.getframerate(), data.astype(np.float64) / 32768.0


def _dominant_hz(rate, samples):
    mono = samples.mean(axis=1)
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    return np.fft.rfftfreq(len(mono), 1.0 / rate)[spectrum.argmax()]


@pytest.fixture
def a440(tmp_path):
    # one A4 (440 Hz) held for a second, then silence
    return write_midi_tracks(tmp_path / "a440.mid", [{"notes": [(69, 0.0, 1.0)], "program": 0}])


@pytest.mark.skipif(audio.find_fluidsynth() is None or audio.find_soundfont() is None,
                    reason="FluidSynth or a GM soundfont is not installed")
def test_fluidsynth_renders_the_note(a440):
    path, backend = audio.render_wav(a440)
    assert backend == "fluidsynth" and path == a440.with_suffix(".wav")
    rate, samples = _read(path)
    assert rate == audio.SAMPLE_RATE
    assert 0.9 < len(samples) / rate < 5.0
    assert np.abs(samples).max() > 0.01
    assert abs(_dominant_hz(rate, samples[: rate]) - 440) < 8
    assert abs(20 * np.log10(np.abs(samples).max()) - audio.PEAK_DBFS) < 0.05  # normalised


def test_builtin_synth_renders_the_note_and_warns_once(a440, tmp_path, monkeypatch):
    # PATH without fluidsynth: the real situation on a machine lacking it
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(audio, "_fallback_warned", False)
    with pytest.warns(RuntimeWarning, match="built-in synth") as record:
        path, backend = audio.render_wav(a440, tmp_path / "one.wav")
        audio.render_wav(a440, tmp_path / "two.wav")
    assert backend == "builtin"
    assert sum("built-in synth" in str(w.message) for w in record) == 1
    rate, samples = _read(path)
    assert abs(len(samples) / rate - 1.13) < 0.05  # 1 s note + release + tail
    assert abs(_dominant_hz(rate, samples) - 440) < 3
    assert np.abs(samples[-50:]).max() < 0.01  # released to silence
    assert abs(20 * np.log10(np.abs(samples).max()) - audio.PEAK_DBFS) < 0.05


def test_explicit_fluidsynth_without_program_fails(a440, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(audio.AudioError, match="fluidsynth program not found"):
        audio.render_wav(a440, backend="fluidsynth")


def test_bad_inputs_name_the_file(tmp_path):
    with pytest.raises(audio.AudioError, match="missing.mid"):
        audio.render_wav(tmp_path / "missing.mid")
    broken = tmp_path / "broken.mid"
    broken.write_bytes(b"not midi at all")
    for backend in ("auto", "builtin"):
        with pytest.raises(audio.AudioError, match="broken.mid: not a readable MIDI file"):
            audio.render_wav(broken, backend=backend)
    with pytest.raises(audio.AudioError, match="nope.sf2"):
        audio.find_soundfont(tmp_path / "nope.sf2")


def test_builtin_synth_plays_drum_hits(tmp_path):
    """Drum notes (one step long, as the drum converter writes them) are heard at each hit."""
    from serenade.conversion import converter_for_config

    window = np.zeros(32, np.int64)
    window[::8] = 0b1  # kick on beats 1 and 3
    window[4::8] = 0b10  # snare on 2 and 4
    sequence = converter_for_config("cat-drums_2bar_small").to_note_sequence(window, qpm=120.0)
    samples = audio.synthesize(sequence, 22050)
    frame = int(0.02 * 22050)
    energy = np.array([np.abs(samples[i:i + frame]).max() for i in range(0, len(samples) - frame, frame)])
    beats = [int(0.5 * k * 22050 / frame) for k in range(8)]  # a hit every 0.5 s at 120 qpm
    assert all(energy[b:b + 2].max() > 0.2 for b in beats)
    assert all(energy[b + 12] < 0.5 * energy[b:b + 2].max() for b in beats)  # decayed before the next


def _write_pcm(path, samples, channels=1):
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(channels)
        handle.setsampwidth(2)
        handle.setframerate(audio.SAMPLE_RATE)
        handle.writeframes(np.asarray(samples, "<i2").tobytes())


def test_a_quiet_stereo_render_is_raised_to_the_peak_and_keeps_its_shape(tmp_path):
    t = np.arange(audio.SAMPLE_RATE) / audio.SAMPLE_RATE
    quiet = np.round(3000 * np.sin(2 * np.pi * 220 * t)).astype(int)  # about -20.8 dBFS
    stereo = np.stack([quiet, -quiet // 2], axis=1).reshape(-1)
    path = tmp_path / "quiet.wav"
    _write_pcm(path, stereo, channels=2)
    gain = audio.normalize_peak(path)
    rate, samples = _read(path)
    assert rate == audio.SAMPLE_RATE and samples.shape == (audio.SAMPLE_RATE, 2)
    assert abs(gain - (audio.PEAK_DBFS - 20 * np.log10(3000 / 32768))) < 1e-6
    assert abs(20 * np.log10(np.abs(samples).max()) - audio.PEAK_DBFS) < 0.01
    ratio = samples[:, 1][np.abs(samples[:, 0]) > 0.1] / samples[:, 0][np.abs(samples[:, 0]) > 0.1]
    assert np.allclose(ratio, -0.5, atol=2e-3)  # both channels scaled alike


def test_silence_stays_silent_and_near_silence_is_not_blown_up(tmp_path):
    silent = tmp_path / "silent.wav"
    _write_pcm(silent, np.zeros(1000, int))
    assert audio.normalize_peak(silent) == 0.0
    assert np.abs(_read(silent)[1]).max() == 0
    hiss = tmp_path / "hiss.wav"
    _write_pcm(hiss, [0, 2, -3, 1] * 250)
    assert audio.normalize_peak(hiss) == audio.MAX_GAIN_DB
    assert np.abs(_read(hiss)[1]).max() < 0.01
