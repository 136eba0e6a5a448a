"""A real single-node SLURM (munged + slurmctld + slurmd) for the test run, under one folder.

Everything lives under `root`: munge key and socket, slurm.conf, gres.conf (one fake GPU), state,
spool, logs and pid files. Nothing is written to /etc; the daemons are stopped by the PIDs they
wrote, never by name. Needs root and Debian's `slurm-wlm` + `munge` (`make test` installs them).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
# Clients a Snakemake run calls. The jobstep plugin drops every SLURM_* variable (SLURM_CONF too)
# before its inner srun, so each is wrapped to export SLURM_CONF; PATH survives `--export=ALL`.
CLIENTS = ("sbatch", "srun", "squeue", "scancel", "sinfo", "scontrol", "sacct")


def missing_programs() -> list[str]:
    return [p for p in DAEMONS + CLIENTS if _program(p) is None]


def _program(name: str) -> str | None:
    """The installed program (daemons live in /usr/sbin, often off a user's PATH)."""
    return shutil.which(name, path=_system_path())


def _system_path() -> str:
    return os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin", "/sbin"])


def _memory_mb() -> int:
    with open("/proc/meminfo") as f:
        total_kb = int(f.readline().split()[1])
    return total_kb // 1024 - 1024  # leave the daemons and the test process some room


class LocalSlurm:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.conf = self.root / "slurm.conf"
        self.bin = self.root / "bin"
        self.submissions = self.root / "sbatch_calls.log"
        self.pid_files = {name: self.root / f"{name}.pid" for name in DAEMONS}

    @property
    def env(self) -> dict[str, str]:
        """Environment for a Snakemake run (and anything else) that should talk to this SLURM."""
        return {"SLURM_CONF": str(self.conf), "PATH": f"{self.bin}{os.pathsep}{_system_path()}"}

    def profile(self, folder: Path, **changes) -> str:
        """profiles/slurm with this cluster's edits (what a user changes for theirs), plus `changes`
        (None removes a key); returns the folder to pass to --profile."""
        import yaml

        shipped = Path(__file__).resolve().parent.parent / "profiles" / "slurm" / "config.v8+.yaml"
        profile = yaml.safe_load(shipped.read_text())
        profile["slurm-status-command"] = "squeue"  # no accounting database here
        profile["slurm-init-seconds-before-status-checks"] = 2  # jobs here start at once
        profile["latency-wait"] = 5  # one local file system
        profile["set-threads"] = {"resample_unit": 1, "finetune_model": 1}  # 2 CPUs
        for resources in profile["set-resources"].values():
            if "mem_mb" in resources:
                resources["mem_mb"] = 2000  # ~20 GB
        profile["set-resources"]["finetune_model"]["runtime"] = 30
        for key, value in changes.items():
            if value is None:
                profile.pop(key, None)
            else:
                profile[key] = value
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.v8+.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
        return str(folder)

    def sbatch_calls(self) -> int:
        if not self.submissions.exists():
            return 0
        return len(self.submissions.read_text().splitlines())

    def start(self, timeout: float = 30) -> None:
        for sub in ("state", "spool", "log", "munge"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "munge").chmod(0o700)
        key = self.root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        self._write_conf()
        self._write_wrappers()
        socket = self.root / "munge" / "munge.socket"
        self._run(
            [
                _program("munged"),
                "--force",
                f"--key-file={key}",
                f"--socket={socket}",
                f"--pid-file={self.pid_files['munged']}",
                f"--log-file={self.root / 'log' / 'munged.log'}",
                f"--seed-file={self.root / 'munge' / 'munge.seed'}",
            ]
        )
        self._run([_program("slurmctld"), "-f", str(self.conf)])
        self._run([_program("slurmd"), "-f", str(self.conf), "-N", "localhost"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.client("sinfo", "-h", "-o", "%T", check=False).stdout.strip()
            if state == "idle":
                return
            time.sleep(0.3)
        raise RuntimeError(f"SLURM node not idle after {timeout} s (sinfo: {state!r}); logs in {self.root / 'log'}")

    def client(self, name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.bin / name), *args], capture_output=True, text=True, check=check,
            env={**os.environ, **self.env},
        )

    def wait_until_idle(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.client("squeue", "-h", check=False).stdout.strip():
                return
            time.sleep(0.5)

    def stop(self) -> None:
        if self.conf.exists():
            self.client("scancel", "--user", "root", check=False)
            self.wait_until_idle(timeout=30)
        for name in reversed(DAEMONS):
            pid_file = self.pid_files[name]
            if not pid_file.exists():
                continue
            pid = int(pid_file.read_text().split()[0])
            _terminate(pid)

    def _run(self, cmd: list[str]) -> None:
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "SLURM_CONF": str(self.conf)})
        if proc.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()}")

    def _write_wrappers(self) -> None:
        self.bin.mkdir(exist_ok=True)
        for name in CLIENTS:
            real = _program(name)
            count = f'echo "$*" >> "{self.submissions}"\n' if name == "sbatch" else ""
            wrapper = self.bin / name
            wrapper.write_text(f'#!/bin/sh\nexport SLURM_CONF="{self.conf}"\n{count}exec "{real}" "$@"\n')
            wrapper.chmod(0o755)

    def _write_conf(self) -> None:
        r = self.root
        cpus = os.cpu_count() or 1
        self.conf.write_text(
            f"""ClusterName=f5flowtest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={r / 'munge' / 'munge.socket'}
StateSaveLocation={r / 'state'}
SlurmdSpoolDir={r / 'spool'}
SlurmctldPidFile={self.pid_files['slurmctld']}
SlurmdPidFile={self.pid_files['slurmd']}
SlurmctldLogFile={r / 'log' / 'slurmctld.log'}
SlurmdLogFile={r / 'log' / 'slurmd.log'}
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
MpiDefault=none
ReturnToService=2
# squeue (the status command without accounting) must still see finished jobs
MinJobAge=3600
EnforcePartLimits=ALL
DefMemPerCPU=500
# a cancelled or timed-out job gets SIGTERM, then SIGKILL this many seconds later
KillWait=30
SchedulerType=sched/backfill
NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={_memory_mb()} Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""
        )
        (r / "gres.conf").write_text("AutoDetect=off\nNodeName=localhost Name=gpu Count=1 File=/dev/null\n")


def _terminate(pid: int, grace: float = 5) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
