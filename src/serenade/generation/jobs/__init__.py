"""The generation jobs the workflow runs, one module each, every job an MLflow run nested
under its model's training or import run.

`kinds` holds the table of job kinds that the workflow's generation rules are built from;
`samples`, `walks` (interpolations and journeys), `attribute_edits` and `variations` each
register one or two kinds; `music_metrics` and `quality_check` measure what they made.

Output layout under results/generated/{model}/ (every MIDI has a PNG of the same stem beside
it, and a WAV when audio is on):
- samples/t{temperature}/sample-NNN.mid, samples/t{temperature}/strip.png, samples/samples.npz
- interpolations/{name}/step-NN.mid, interpolation.mid (all steps in order), strip.png, inputs.txt,
  endpoints.json (share of each input's note onsets its decoded endpoint keeps), path.npz
- journeys/{name}/journey.mid, strip.png, inputs.txt, endpoints.json, path.npz
- attributes/vectors.npz, effects.csv, effects.html, {piece}.mid (edited),
  {piece}-original.mid (the same passage decoded without the vector), {piece}-strip.png
- variations/{piece}/variation-NN.mid, original.mid, strip.png, variations.npz
- metrics.csv, quality.json, quality.txt, reconstructions.png

A chord-conditioned model samples over `chords` (a progression); its interpolations, journeys,
attribute edits and reconstructions use each input's own chords. Its MIDI files carry the chords
as chord symbols and play them as soft block chords under the melody.
"""
