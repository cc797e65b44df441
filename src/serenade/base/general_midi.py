"""General MIDI names that several layers show to people (drum kit pieces)."""

from __future__ import annotations

# GM percussion key map (channel 10), MIDI pitches 35..81.
DRUM_NAMES: dict[int, str] = {
    35: "Acoustic bass drum", 36: "Bass drum", 37: "Side stick", 38: "Snare", 39: "Hand clap",
    40: "Electric snare", 41: "Low floor tom", 42: "Closed hi-hat", 43: "High floor tom",
    44: "Pedal hi-hat", 45: "Low tom", 46: "Open hi-hat", 47: "Low-mid tom", 48: "High-mid tom",
    49: "Crash", 50: "High tom", 51: "Ride", 52: "Chinese cymbal", 53: "Ride bell",
    54: "Tambourine", 55: "Splash", 56: "Cowbell", 57: "Crash 2", 58: "Vibraslap", 59: "Ride 2",
    60: "High bongo", 61: "Low bongo", 62: "Mute high conga", 63: "Open high conga",
    64: "Low conga", 65: "High timbale", 66: "Low timbale", 67: "High agogo", 68: "Low agogo",
    69: "Cabasa", 70: "Maracas", 71: "Short whistle", 72: "Long whistle", 73: "Short guiro",
    74: "Long guiro", 75: "Claves", 76: "High wood block", 77: "Low wood block",
    78: "Mute cuica", 79: "Open cuica", 80: "Mute triangle", 81: "Open triangle",
}


def drum_name(pitch: int) -> str:
    return DRUM_NAMES.get(int(pitch), f"drum {int(pitch)}")
