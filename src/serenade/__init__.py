"""Serenade: train and explore MusicVAE models on your own MIDI.

Data flows one way: sources -> validated MIDI -> NoteSequences -> tensors -> model
-> generated MIDI -> artifacts. Each stage lives in its own subpackage.
"""

__version__ = "0.1.0"
