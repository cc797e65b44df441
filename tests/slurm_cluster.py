"""A one-node Slurm cluster on 127.0.0.1 for the cluster test, everything in one folder.

Debian's packages (slurmctld, slurmd, slurm-client, munge; Slurm 22.05 on bookworm) run with a
private configuration: munged with its own key and socket, slurmctld and slurmd in the
foreground as the current user (root: slurmd must be root to start jobs), free ports, no
cgroups (proctrack/linuxproc, task/none), consumable cores (select/cons_tres). There is no
slurmdbd, so `sacct` has nothing to ask ("Slurm accounting storage is disabled"): job states
come from `squeue` (kept for MinJobAge seconds after a job ends), and jobcomp/filetxt records
every finished job in `jobs.txt`, which `sacct --completion` reads. `SLURM_CONF` in `env`
points the client commands (sbatch, squeue, scancel, sacct) at it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

BINARIES = ("munged", "slurmctld", "slurmd", "sbatch", "srun", "squeue", "scancel", "sinfo",
            "scontrol", "sacct")
PARTITION = "serenade"


def missing_binaries() -> list[str]:
    """The Slurm and munge programs this machine lacks (searching the sbin folders too)."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return [name for name in BINARIES if shutil.which(name, path=path) is None]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    """A running cluster: its folder, client environment and the record of finished jobs."""

    root: Path
    env: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)

    def finished_jobs(self) -> dict[str, dict[str, str]]:
        """{job id: fields} of every finished job, from `sacct --completion` (jobcomp/filetxt's
        record: plain `sacct` needs slurmdbd)."""
        fields = ("JobID", "JobName", "State", "Partition", "ExitCode")
        out = self.run("sacct", "--completion", "--parsable2", "--noheader",
                       f"--format={','.join(fields)}").stdout
        rows = [dict(zip(fields, line.split("|"))) for line in out.splitlines() if line.strip()]
        return {row["JobID"]: row for row in rows}

    def queue(self) -> list[dict[str, str]]:
        """Jobs slurmctld still knows (running, pending, or ended within MinJobAge)."""
        out = self.run("squeue", "--states=all", "--noheader", "--format=%i|%T|%k|%j").stdout
        keys = ("id", "state", "comment", "name")
        return [dict(zip(keys, line.split("|"))) for line in out.splitlines() if line.strip()]

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(command, env=self.env, capture_output=True, text=True,
                              check=check, timeout=60)


def _config(root: Path, host: str, cpus: int, memory_mb: int) -> str:
    return f"""\
ClusterName=serenade
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
AuthType=auth/munge
AuthInfo=socket={root}/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc={root}/jobs.txt
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
MinJobAge=600
ReturnToService=2
SlurmdParameters=config_overrides
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName={PARTITION} Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


def _wait(condition, what: str, timeout: float, logs: list[Path]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {p}\n{p.read_text()[-2000:]}" for p in logs if p.exists())
            raise RuntimeError(f"the test cluster did not come up: {what}\n{tails}")
        time.sleep(0.2)


@contextlib.contextmanager
def local_cluster(root: Path, *, cpus: int = 2, memory_mb: int = 16000) -> Iterator[Cluster]:
    """Start munged, slurmctld and slurmd under `root`; stop them (and any job) on exit.

    `cpus` and `memory_mb` are what the node announces (config_overrides: not checked against
    the hardware), so jobs asking for the workflow's usual mem_mb fit on a small machine."""
    root.mkdir(parents=True, exist_ok=True)
    for folder in ("munge", "state", "spool"):
        (root / folder).mkdir(exist_ok=True)
    (root / "munge").chmod(0o711)
    key = root / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    host = socket.gethostname().split(".")[0]
    conf = root / "slurm.conf"
    conf.write_text(_config(root, host, cpus, memory_mb))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    env["PATH"] = os.pathsep.join([env.get("PATH", ""), "/usr/sbin", "/sbin"])
    # snakemake-executor-plugin-slurm-jobstep (0.6.1) drops every SLURM_* variable, SLURM_CONF
    # included, before its `srun` inside a job: an srun first in PATH restores it, as a site's
    # /etc/slurm/slurm.conf (or a configless slurmd) would serve it.
    shims = root / "bin"
    shims.mkdir(exist_ok=True)
    srun = shims / "srun"
    real_srun = shutil.which("srun", path=env["PATH"])
    srun.write_text(f"#!/bin/sh\nSLURM_CONF={conf} exec {real_srun} \"$@\"\n")
    srun.chmod(0o755)
    env["PATH"] = os.pathsep.join([str(shims), env["PATH"]])
    cluster = Cluster(root=root, env=env)
    logs = [root / "munge" / "munged.log", root / "slurmctld.log", root / "slurmd.log"]

    def start(*command: str) -> None:
        cluster.processes.append(subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True))

    try:
        munge = root / "munge"
        start("munged", "--foreground", "--force", f"--socket={munge}/munge.socket",
              f"--key-file={key}", f"--pid-file={munge}/munged.pid",
              f"--log-file={munge}/munged.log", f"--seed-file={munge}/munged.seed")
        _wait(lambda: (munge / "munge.socket").exists(), "munged", 30, logs)
        start("slurmctld", "-D", "-f", str(conf))
        start("slurmd", "-D", "-f", str(conf), "-N", host)

        def node_idle() -> bool:
            for process in cluster.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.args[0]} exited with {process.returncode}: "
                                       + "\n".join(p.read_text()[-2000:] for p in logs
                                                   if p.exists()))
            out = cluster.run("sinfo", "--noheader", "--format=%t", check=False).stdout
            return out.strip() == "idle"

        _wait(node_idle, "node not idle", 60, logs)
        yield cluster
    finally:
        if len(cluster.processes) > 1:
            cluster.run("scancel", f"--partition={PARTITION}", check=False)
            cluster.run("scontrol", "shutdown", check=False)  # slurmctld and slurmd
        for process in reversed(cluster.processes):
            if process.args[0] != "munged":
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=20)
            if process.poll() is None:
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=10)
            if process.poll() is None:
                process.kill()
                process.wait()
