"""Where MIDI comes from: downloads (`url`), local folders or globs (`path`) and music21's corpus.

Fetching a `url` or exporting a `music21` selection writes a listing (see `listing.py`) that names
every file obtained and every member or piece that could not be used, with the reason.
"""

MIDI_SUFFIXES = (".mid", ".midi")


def is_midi_name(name: str) -> bool:
    return name.lower().endswith(MIDI_SUFFIXES)
