"""Benchmark: `snakemake data` on 1,000 / 10,000 / 100,000 MIDI files (wall time, files/s,
peak memory of each job, manifest size), checking that every file is accounted for.

    .venv/bin/python bench/scale_data.py --files 1000 10000 [--parse-chunks K] [--cores 2]
        [--seed 0] [--root DIR] [--clean]

The files (bench/scale_midi.py: variations of a few dozen music21 pieces, ~3% broken, ~1%
exact copies) are made once into ROOT/midi-N and kept (reused with the same seed) unless
--clean. Each N runs in a fresh work dir ROOT/run-N: config/config.yaml is the project's with
one unlabelled `path` source (and `data: parse_chunks: K` when K != 1); only the `data` target
runs. A thread samples /proc every 0.2 s for the peak RSS of every job's process tree (and of
Snakemake's own process); Snakemake `benchmark:` TSVs under results/benchmarks/ are printed too
when the rules write them. The manifest must have one row per file made, with the status the
generator expects of each (truth.csv: broken files `invalid`, copies `duplicate`). It ends
with a markdown table, one row per N, for docs/cluster.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import tempfile
import sys
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import scale_midi  # noqa: E402 (puts src/ on the path)

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
TICKS = os.sysconf("SC_CLK_TCK")
SCRIPT = re.compile(r"([\w.-]+)\.py$")


def _processes() -> dict[int, tuple[int, int, str, float]]:
    """{pid: (parent pid, RSS in kB, command line, CPU s of it and its reaped children)} of
    every process now (RSS counts the pages a forked worker shares with its parent again:
    `pss_kb` does not)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # the process ended meanwhile
            continue
        cpu = sum(int(field) for field in fields[11:15]) / TICKS
        found[int(entry.name)] = (int(fields[1]), int(fields[21]) * PAGE_KB, command, cpu)
    return found


def job_label(commands: list[str]) -> str:
    """A job's name from the command lines of its process tree: Snakemake's target job
    (`rule:wildcards`) or the workflow script it runs; '' when none says."""
    for command in commands:
        match = re.search(r"--target-jobs\s+'?([^' ]+)", command)
        if match:
            return match.group(1)
    for command in commands:
        for word in command.split():
            match = SCRIPT.search(word)
            if match and ("scripts" in word or ".snakemake" in word):
                return match.group(1).split(".")[-1]  # tmpabc.parse_source -> parse_source
    return ""


def pss_kb(pid: int) -> int:
    """Proportional set size: each shared page split between the processes sharing it."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeSampler(threading.Thread):
    """Peak RSS of a process and of each subtree under its direct children (one per job)."""

    def __init__(self, root: int, every_s: float = 0.2):
        super().__init__(daemon=True)
        self.root, self.every_s = root, every_s
        self.main_kb, self.main_cpu_s, self.started = 0, 0.0, time.monotonic()
        self.jobs: dict[int, dict] = {}  # child pid -> label, peak_kb, processes, first, last
        self.finished = threading.Event()

    def run(self) -> None:
        while not self.finished.is_set():
            self.sample()
            self.finished.wait(self.every_s)

    def sample(self) -> None:
        processes = _processes()
        if self.root not in processes:
            return
        children: dict[int, list[int]] = {}
        for pid, (parent, *_) in processes.items():
            children.setdefault(parent, []).append(pid)
        self.main_kb = max(self.main_kb, processes[self.root][1])
        self.main_cpu_s = processes[self.root][3] - sum(
            job["cpu_s"] for job in self.jobs.values())  # its children's time is theirs
        now = time.monotonic()
        for child in children.get(self.root, []):
            tree, stack = [], [child]
            while stack:
                pid = stack.pop()
                tree.append(pid)
                stack.extend(children.get(pid, []))
            job = self.jobs.setdefault(child, {"label": "", "peak_kb": 0, "pss_kb": 0,
                                               "largest_kb": 0, "processes": 0, "cpu_s": 0,
                                               "first": now, "last": now})
            # an ending process has no command line: keep the name once known
            job["label"] = job["label"] or job_label([processes[pid][2] for pid in tree])
            job["peak_kb"] = max(job["peak_kb"], sum(processes[pid][1] for pid in tree))
            job["pss_kb"] = max(job["pss_kb"], sum(pss_kb(pid) for pid in tree))
            job["largest_kb"] = max([job["largest_kb"], *(processes[pid][1] for pid in tree)])
            job["processes"] = max(job["processes"], len(tree))
            job["cpu_s"] = max(job["cpu_s"], sum(processes[pid][3] for pid in tree))
            job["last"] = now


def _number(text: str | None) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):  # NA, -, missing
        return 0.0


def benchmark_tsvs(workdir: Path) -> list[tuple[str, float, float, float]]:
    """(job, seconds, max_rss MB, max_pss MB) of every Snakemake benchmark TSV under
    results/benchmarks."""
    rows = []
    folder = workdir / "results" / "benchmarks"
    for path in sorted(folder.rglob("*.tsv")):
        with open(path, newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                rows.append((path.relative_to(folder).as_posix(), _number(row.get("s")),
                             _number(row.get("max_rss")), _number(row.get("max_pss"))))
    return rows


def write_config(workdir: Path, folder: Path, parse_chunks: int) -> Path:
    """The project's config with one `path` source; returns its path."""
    import yaml

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    config["sources"] = [{"name": "scale", "path": str(folder)}]
    if parse_chunks != 1:  # the key exists only once the data stage splits parsing
        config["data"]["parse_chunks"] = parse_chunks
    path = workdir / "config" / "config.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def run_data(workdir: Path, config: Path, cores: int) -> tuple[float, TreeSampler, int]:
    """Run `snakemake data` under the sampler; (wall seconds, sampler, exit status)."""
    command = [str(REPO / ".venv" / "bin" / "snakemake"), "data", "--cores", str(cores),
               "--directory", str(workdir), "--snakefile", str(REPO / "Snakefile"),
               "--configfile", str(config)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])}
    with open(workdir / "snakemake.log", "w") as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        sampler = TreeSampler(process.pid)
        sampler.start()
        try:
            status = process.wait()
        finally:  # interrupted: leave no Snakemake running
            if process.poll() is None:
                process.terminate()
                process.wait()
        seconds = time.perf_counter() - start
    sampler.finished.set()
    sampler.join()
    return seconds, sampler, status


def check_manifest(manifest_path: Path, truth: list[dict]) -> tuple[Counter, list[str]]:
    """Status counts of the manifest and every way it disagrees with the truth."""
    import pandas as pd

    manifest = pd.read_csv(manifest_path, keep_default_na=False, usecols=["path", "status"])
    got = dict(zip(manifest["path"], manifest["status"]))
    problems = []
    if len(manifest) != len(truth):
        problems.append(f"{len(manifest)} manifest rows for {len(truth)} files")
    wrong = [(row["path"], row["kind"], row["status"], got.get(row["path"], "missing"))
             for row in truth if got.get(row["path"]) != row["status"]]
    problems += [f"{path} ({kind}): expected {want}, got {have}"
                 for path, kind, want, have in wrong[:20]]
    if len(wrong) > 20:
        problems.append(f"... {len(wrong) - 20} more")
    return Counter(manifest["status"]), problems


def bench_one(count: int, args) -> str:
    root = Path(args.root)
    folder = root / f"midi-{count}"
    pieces = scale_midi.load_pieces(root, workers=args.cores)
    start = time.perf_counter()
    truth = scale_midi.make_folder(folder, count, pieces, seed=args.seed, workers=args.cores)
    made = time.perf_counter() - start
    kinds = Counter(row["kind"] for row in truth)
    size = sum(int(row["size_bytes"]) for row in truth)
    print(f"\n== {count} files in {folder} ({size / 1e6:.1f} MB, from {len(pieces)} pieces; "
          f"made or reused in {made:.1f} s): {dict(sorted(kinds.items()))}", flush=True)

    workdir = root / f"run-{count}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    seconds, sampler, status = run_data(workdir, write_config(workdir, folder, args.parse_chunks),
                                        args.cores)
    print(f"snakemake data: exit {status}, {seconds:.1f} s wall, {count / seconds:.1f} files/s "
          f"(log: {workdir / 'snakemake.log'})")
    jobs = sorted(sampler.jobs.values(), key=lambda j: j["first"])
    print(f"  snakemake's own process: peak RSS {sampler.main_kb / 1024:.0f} MB, "
          f"{sampler.main_cpu_s:.1f} CPU s; first job after "
          f"{jobs[0]['first'] - sampler.started if jobs else seconds:.1f} s")
    for job in jobs:
        if not job["label"] and job["last"] == job["first"]:
            continue  # a helper process seen once (a shell), not a job
        print(f"  {job['label'] or '?':<14} ~{job['last'] - job['first']:6.1f} s, "
              f"{job['cpu_s']:6.1f} CPU s, peak RSS "
              f"{job['peak_kb'] / 1024:5.0f} MB summed over up to {job['processes']} processes "
              f"(PSS {job['pss_kb'] / 1024:.0f} MB; largest process {job['largest_kb'] / 1024:.0f}"
              " MB)")
    tsvs = benchmark_tsvs(workdir)
    for name, job_seconds, rss, pss in tsvs:
        print(f"  benchmark {name:<40} {job_seconds:8.1f} s  max_rss {rss:6.0f} MB  "
              f"max_pss {pss:6.0f} MB")
    manifest = workdir / "results" / "data" / "manifest.csv"
    if status != 0 or not manifest.is_file():
        print(f"FAILED: see {workdir / 'snakemake.log'}")
        return f"| {count:,} | failed | | | | |"
    counts, problems = check_manifest(manifest, truth)
    expected = Counter(row["status"] for row in truth)
    print(f"manifest: {manifest.stat().st_size:,} bytes, {sum(counts.values()):,} rows; "
          f"statuses {dict(sorted(counts.items()))}, expected {dict(sorted(expected.items()))}")
    print("every file accounted for" if not problems else "MISMATCH:\n  " + "\n  ".join(problems))
    parse_jobs = sum(1 for job in sampler.jobs.values() if "parse" in job["label"])
    parse_jobs = parse_jobs or len([t for t in tsvs if "parse" in t[0]])
    heaviest = max(sampler.jobs.values(), key=lambda j: j["peak_kb"], default=None)
    peak = (f"{heaviest['peak_kb'] / 1024:.0f} MB, PSS {heaviest['pss_kb'] / 1024:.0f} MB "
            f"({heaviest['label'].split(':')[0] or '?'})" if heaviest else "?")
    row = (f"| {count:,} | {seconds:.0f} | {count / seconds:.1f} | {parse_jobs} | {peak} | "
           f"{manifest.stat().st_size / 1e6:.1f} |")
    if args.clean:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
        for made in folder.parent.glob(f"{folder.name}.*"):  # truth.csv, done.json
            made.unlink()
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, nargs="+", default=[1000])
    parser.add_argument("--parse-chunks", type=int, default=1,
                        help="data: parse_chunks (written only when not 1)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--root", default=str(Path(tempfile.gettempdir()) / "serenade-scale"),
                        help="files and work dirs (several GB at 100,000 files)")
    parser.add_argument("--clean", action="store_true", help="delete each N's files after")
    args = parser.parse_args()
    rows = [bench_one(count, args) for count in args.files]
    print("\n| files | wall s | files/s | parse jobs | peak RSS per job (max) | manifest MB |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
