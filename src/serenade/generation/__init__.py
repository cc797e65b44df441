"""Generation: turn a model into music people can hear and see.

Submodules, one concept each: `notes` (melody events -> notes), `pianoroll` (PNG images),
`audio` (WAV through FluidSynth or a built-in synth), `selection` (which window of an arbitrary
MIDI file to use), `inputs` (resolving `source:relative/path` inputs), `writing` (MIDI + PNG +
WAV for one output), `metrics` (music metrics of a generated set), `attributes` (attribute
vectors, MusicVAE paper section 5.4), `quality` (the quality check's figures and targets),
`tracking` (MLflow child runs of a model's run), and `jobs` (the generation jobs, one kind per
module, and the table of kinds the workflow is built from). Walks through latent space are
`serenade.models.latent_paths`. Heavy modules import TensorFlow or matplotlib
lazily; import them directly.
"""
