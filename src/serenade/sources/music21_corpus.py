"""`music21` sources: a selection of music21's bundled corpus, exported to MIDI.

Pieces are exported in parallel (`serenade.base.pool`) into data/raw/{source}/files/ and kept
there: a later run with a larger selection only exports what is new. A corpus file holding
several tunes (an ABC opus) gives one MIDI file per tune, named `{folder}/{stem}_{k}.mid`; a
single score gives `{folder}/{stem}_0.mid`. Pieces music21 cannot export are listed as failed
with music21's reason.

`halve_note_values` writes each score in diminution (every duration halved, n/2 time signatures
made n/4), as modern editions of Renaissance polyphony do: Palestrina's 4/2 bars of half and
whole notes become 4/4 bars of quarters and halves, which the 16-steps-per-bar melody converters
take (magenta's refuse 32-step bars), at the note density of the chorales and folk tunes.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import os
from pathlib import Path

from serenade.base.pool import ordered_imap
from serenade.base.progress import CountProgress, progress_logger
from serenade.config_schema import defaults_of
from serenade.sources.listing import Listing

log = logging.getLogger(__name__)
DONE_SUFFIX = ".done.json"  # per corpus file: which tunes were exported and which failed


def corpus_root() -> Path:
    import music21.corpus

    return Path(music21.corpus.__file__).resolve().parent


def select_corpus_files(include: list[str], exclude: list[str] = (), limit: int = 0) -> list[str]:
    """Corpus-relative paths matching `include` and not `exclude`, sorted; at most `limit`
    of them (0 = all), picked evenly spaced so that the selection spans the whole list."""
    root = corpus_root()
    selected = set()
    for pattern in include:
        matches = [p.relative_to(root).as_posix() for p in root.glob(pattern) if p.is_file()]
        if not matches:
            raise FileNotFoundError(f"music21 corpus pattern {pattern!r} matches nothing under {root}")
        selected.update(matches)
    selected = sorted(p for p in selected if not any(fnmatch.fnmatch(p, x) for x in exclude))
    if limit and len(selected) > limit:
        selected = [selected[i * len(selected) // limit] for i in range(limit)]
    return selected


def halved(score):
    """`score` in diminution: durations and offsets halved, each time signature n/d made
    n/(2d), so that bars keep their beats."""
    from music21 import meter

    result = score.augmentOrDiminish(0.5)
    for signature in list(result.recurse().getElementsByClass(meter.TimeSignature)):
        signature.activeSite.replace(
            signature, meter.TimeSignature(f"{signature.numerator}/{signature.denominator * 2}"))
    return result


def _export_one(job: tuple[str, str, bool]) -> dict:
    """Export one corpus file; returns {"files": [...], "failed": [[name, reason], ...]}."""
    relative, folder, halve = job
    from music21 import converter, stream

    stem = Path(relative).with_suffix("").as_posix()  # bach/bwv1.6.mxl -> bach/bwv1.6
    done = Path(folder) / (stem + DONE_SUFFIX)
    done.parent.mkdir(parents=True, exist_ok=True)
    if done.exists():  # cached from an earlier run with the same note values
        cached = json.loads(done.read_text(encoding="utf-8"))
        if cached.get("halve_note_values", False) == halve:
            return cached
    result: dict = {"files": [], "failed": [], "halve_note_values": halve}
    try:
        parsed = converter.parse(corpus_root() / relative)
        scores = list(parsed.scores) if isinstance(parsed, stream.Opus) else [parsed]
        if halve:
            scores = [halved(score) for score in scores]
    except Exception as error:  # music21 raises many types; report the piece, keep going
        result["failed"].append([relative, f"music21 cannot parse: {type(error).__name__}: {error}"])
        scores = []
    for index, score in enumerate(scores):
        name = f"{stem}_{index}.mid"
        target = Path(folder) / name
        partial = target.with_name(target.name[:-4] + ".tmp.mid")  # music21 picks the format from the suffix
        try:
            score.write("midi", fp=str(partial))
            os.replace(partial, target)
            result["files"].append(name)
        except Exception as error:
            partial.unlink(missing_ok=True)
            result["failed"].append([f"{relative}#{index}",
                                     f"music21 cannot export to MIDI: {type(error).__name__}: {error}"])
    done.write_text(json.dumps(result), encoding="utf-8")
    return result


def export_corpus(name: str, selection: dict, folder: str | os.PathLike, workers: int = 1) -> Listing:
    """Export the selected corpus files into `folder` and list the MIDI files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # A selection made in code may leave out what the schema defaults.
    selection = {**defaults_of("sources.music21"), **selection}
    files = select_corpus_files(selection["include"], selection["exclude"], selection["limit"])
    log.info("%s: exporting %d music21 corpus files with %d workers", name, len(files), workers)
    jobs = [(relative, str(folder), selection["halve_note_values"]) for relative in files]
    results = ordered_imap(_export_one, jobs, workers=workers)
    listing = Listing(source=name)
    progress = CountProgress(progress_logger("export"), f"{name}: corpus files exported",
                             len(files))
    for done, result in enumerate(results, 1):
        progress.update(done)
        for file_name in result["files"]:
            listing.add_file(file_name, folder / file_name)
        for display, reason in result["failed"]:
            listing.add_failed(display, reason)
    log.info("%s: %d MIDI files, %d pieces failed", name, len(listing.files), len(listing.failed))
    return listing
