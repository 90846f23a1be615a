"""A real one-node SLURM cluster with job accounting, started in a scratch directory.

Debian's ``munge``, ``mariadb-server``, ``slurmdbd``, ``slurmctld`` and ``slurmd`` run as
root, each in the foreground as a child of this process, so that every daemon is known by
its PID and stopped by it. Nothing is written outside the scratch directory: munge's key and
socket, the MariaDB data directory, SLURM's state, spool, logs and configuration all live
there, and every daemon listens on a free port picked at start (so the cluster does not
collide with a system SLURM or with a second copy of itself).

    with OneNodeSlurm(scratch) as cluster:
        env = cluster.env()           # SLURM_CONF for sbatch/squeue/sacct/scancel/sacctmgr
        subprocess.run(["sbatch", "--wrap", "hostname"], env=env)

``srun`` inside a job must also find the configuration: snakemake-executor-plugin-slurm-jobstep
0.6.1 removes every ``SLURM_*`` variable, ``SLURM_CONF`` included, before its nested ``srun``,
so SLURM's compiled-in default ``/etc/slurm/slurm.conf`` is made a symbolic link to the scratch
configuration while the cluster runs (as on a real site, where every node has that file). An
existing ``/etc/slurm/slurm.conf`` that is not such a link is left alone and the start refuses.

Accounting is real: slurmdbd stores jobs in MariaDB, ``sacct`` reads them back, and the
cluster has an account (``glassbook``) with root associated to it, enforced
(``AccountingStorageEnforce=associations``) as on a production site.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

PACKAGES = ["slurm-wlm", "slurmdbd", "munge", "mariadb-server", "mariadb-client"]
DAEMONS = ["munged", "mariadbd", "slurmdbd", "slurmctld", "slurmd"]
ACCOUNT = "glassbook"
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
SCRATCH_PREFIX = "glassbook-"
PARTITION = "main"


def ensure_packages(log=print) -> None:
    """Install Debian's SLURM, munge and MariaDB packages when a daemon binary is missing."""
    missing = [d for d in DAEMONS if shutil.which(d) is None and not Path("/usr/sbin", d).exists()]
    if not missing:
        return
    if os.geteuid() != 0:
        raise RuntimeError(f"{', '.join(missing)} missing and not root: install {' '.join(PACKAGES)}")
    log(f"installing {' '.join(PACKAGES)} (missing: {', '.join(missing)})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", *PACKAGES], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def free_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports that were free on 127.0.0.1 a moment ago."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def _sbin(name: str) -> str:
    path = shutil.which(name) or f"/usr/sbin/{name}"
    if not Path(path).exists():
        raise FileNotFoundError(f"{name} not found (install {' '.join(PACKAGES)})")
    return path


class OneNodeSlurm:
    """Start munged, MariaDB, slurmdbd, slurmctld and slurmd; stop them by PID on exit.

    ``cpus`` and ``memory_mb`` describe the single node (``memory_mb`` is consumable:
    ``SelectTypeParameters=CR_Core_Memory``).
    """

    def __init__(self, scratch: Path, cpus: int = 2, memory_mb: int = 16000, log=print):
        self.dir = Path(scratch).resolve()
        self.cpus, self.memory_mb, self.log = cpus, memory_mb, log
        self.procs: dict[str, subprocess.Popen] = {}
        self.node = socket.gethostname().split(".")[0]
        self.conf = self.dir / "etc" / "slurm.conf"

    # ------------------------------------------------------------------ environment
    def env(self, base: dict | None = None) -> dict:
        """The environment in which SLURM's client commands talk to this cluster."""
        env = dict(os.environ if base is None else base)
        env["SLURM_CONF"] = str(self.conf)
        return env

    def run(self, *cmd: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(list(cmd), env=self.env(), check=check, capture_output=True,
                              text=True, **kw)

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def _spawn(self, name: str, cmd: list[str], env: dict | None = None) -> subprocess.Popen:
        out = open(self.dir / "log" / f"{name}.out", "ab")
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env if env is not None else self.env(), start_new_session=True)
        out.close()
        self.procs[name] = proc
        self.log(f"started {name} (pid {proc.pid})")
        return proc

    def _wait(self, what: str, ok, timeout: float = 60.0, name: str | None = None):
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if name and self.procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited with {self.procs[name].returncode} while waiting for {what}; "
                                   f"see {self.dir / 'log'}:\n{self.tail(name)}")
            if ok():
                return
            time.sleep(0.3)
        raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}; see {self.dir / 'log'}:\n"
                           f"{self.tail(name) if name else ''}")

    def tail(self, name: str, n: int = 15) -> str:
        lines = []
        for f in sorted((self.dir / "log").glob(f"{name}*")):
            lines += [f"[{f.name}] {ln}" for ln in f.read_text(errors="replace").splitlines()[-n:]]
        return "\n".join(lines)

    def start(self):
        for sub in ("etc", "log", "munge", "mysql", "state", "spool", "run"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        self.ports = dict(zip(["mysql", "dbd", "ctld", "slurmd"], free_ports(4)))
        self._start_munge()
        self._start_mariadb()
        self._write_configs()
        self._link_system_conf()
        self._start_slurmdbd()
        self._start_slurm()

    def _start_munge(self):
        m = self.dir / "munge"
        os.chmod(m, 0o700)
        key = m / "munge.key"
        key.write_bytes(secrets.token_bytes(1024))
        os.chmod(key, 0o400)
        self.munge_socket = m / "munge.socket"
        self._spawn("munged", [_sbin("munged"), "--foreground", "--force", f"--socket={self.munge_socket}",
                               f"--key-file={key}", f"--pid-file={m / 'munged.pid'}",
                               f"--log-file={self.dir / 'log' / 'munged.log'}", f"--seed-file={m / 'seed'}"])
        self._wait("munge socket", self.munge_socket.exists, name="munged")
        cred = subprocess.run(["munge", "-n", "-S", str(self.munge_socket)], capture_output=True, check=True)
        subprocess.run(["unmunge", "-S", str(self.munge_socket)], input=cred.stdout, capture_output=True,
                       check=True)

    def _start_mariadb(self):
        data = self.dir / "mysql"
        self.mysql_socket = self.dir / "run" / "mysqld.sock"
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=root",
                        "--auth-root-authentication-method=socket", "--skip-test-db"],
                       check=True, capture_output=True)
        self._spawn("mariadbd", [_sbin("mariadbd"), "--no-defaults", f"--datadir={data}", "--user=root",
                                 f"--socket={self.mysql_socket}", f"--port={self.ports['mysql']}",
                                 "--bind-address=127.0.0.1", "--skip-name-resolve",
                                 f"--pid-file={self.dir / 'run' / 'mysqld.pid'}",
                                 f"--log-error={self.dir / 'log' / 'mariadbd.log'}",
                                 "--innodb-buffer-pool-size=64M"], env=dict(os.environ))
        self._wait("MariaDB socket", self.mysql_socket.exists, name="mariadbd")
        self.db_password = secrets.token_hex(12)
        sql = (f"CREATE DATABASE slurm_acct_db; "
               f"CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY '{self.db_password}'; "
               f"GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1'; FLUSH PRIVILEGES;")
        self._sql(sql)

    def _sql(self, sql: str):
        for attempt in range(30):
            r = subprocess.run(["mariadb", "--no-defaults", f"--socket={self.mysql_socket}", "-uroot", "-e", sql],
                               capture_output=True, text=True)
            if r.returncode == 0:
                return
            time.sleep(0.5)
        raise RuntimeError(f"MariaDB refused {sql!r}: {r.stderr}")

    def _write_configs(self):
        d, p, auth = self.dir, self.ports, f"socket={self.munge_socket}"
        dbd = self.dir / "etc" / "slurmdbd.conf"
        dbd.write_text("\n".join([
            "AuthType=auth/munge", f"AuthInfo={auth}",
            "DbdHost=localhost", "DbdAddr=127.0.0.1", f"DbdPort={p['dbd']}", "SlurmUser=root",
            f"PidFile={d / 'run' / 'slurmdbd.pid'}", f"LogFile={d / 'log' / 'slurmdbd.log'}",
            "StorageType=accounting_storage/mysql", "StorageHost=127.0.0.1", f"StoragePort={p['mysql']}",
            "StorageUser=slurm", f"StoragePass={self.db_password}", "StorageLoc=slurm_acct_db", ""]))
        os.chmod(dbd, 0o600)
        self.conf.write_text("\n".join([
            "ClusterName=glassbook", f"SlurmctldHost={self.node}(127.0.0.1)",
            f"SlurmctldPort={p['ctld']}", f"SlurmdPort={p['slurmd']}",
            "AuthType=auth/munge", f"AuthInfo={auth}", "CredType=cred/munge",
            "SlurmUser=root", "SlurmdUser=root",
            f"StateSaveLocation={d / 'state'}", f"SlurmdSpoolDir={d / 'spool'}",
            f"SlurmctldPidFile={d / 'run' / 'slurmctld.pid'}", f"SlurmdPidFile={d / 'run' / 'slurmd.pid'}",
            f"SlurmctldLogFile={d / 'log' / 'slurmctld.log'}", f"SlurmdLogFile={d / 'log' / 'slurmd.log'}",
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none", "MpiDefault=none",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core_Memory",
            "AccountingStorageType=accounting_storage/slurmdbd", "AccountingStorageHost=localhost",
            f"AccountingStoragePort={p['dbd']}", f"AccountingStoragePass={self.munge_socket}",
            "AccountingStorageEnforce=associations",
            "AccountingStoreFlags=job_comment",
            "JobAcctGatherType=jobacct_gather/linux", "JobAcctGatherFrequency=5",
            "JobCompType=jobcomp/none", "ReturnToService=2", "KillWait=10", "MinJobAge=300",
            "SchedulerType=sched/backfill", "SlurmctldTimeout=60", "SlurmdTimeout=60",
            f"NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} RealMemory={self.memory_mb} State=UNKNOWN",
            f"PartitionName={PARTITION} Nodes={self.node} Default=YES MaxTime=INFINITE State=UP", ""]))

    def _link_system_conf(self):
        """Point /etc/slurm/slurm.conf at our configuration (for srun inside jobs)."""
        if SYSTEM_CONF.is_symlink() or SYSTEM_CONF.exists():
            target = os.readlink(SYSTEM_CONF) if SYSTEM_CONF.is_symlink() else None
            if target is None or SCRATCH_PREFIX not in target or Path(target).exists():
                raise RuntimeError(f"{SYSTEM_CONF} exists ({'-> ' + target if target else 'a file'}): "
                                   "another SLURM is configured here; not touching it")
            SYSTEM_CONF.unlink()  # a dangling link left by a killed run of ours
        SYSTEM_CONF.parent.mkdir(parents=True, exist_ok=True)
        SYSTEM_CONF.symlink_to(self.conf)
        self.linked = True

    def _unlink_system_conf(self):
        if getattr(self, "linked", False) and SYSTEM_CONF.is_symlink() and os.readlink(SYSTEM_CONF) == str(self.conf):
            SYSTEM_CONF.unlink()
            self.linked = False
            self.log(f"removed the link {SYSTEM_CONF}")

    def _start_slurmdbd(self):
        self._spawn("slurmdbd", [_sbin("slurmdbd"), "-D"])
        self._wait("slurmdbd", lambda: self.run("sacctmgr", "-n", "list", "cluster", check=False).returncode == 0,
                   name="slurmdbd")
        self.run("sacctmgr", "-i", "add", "cluster", "glassbook")
        self.run("sacctmgr", "-i", "add", "account", ACCOUNT, "Description=glassbook test",
                 "Organization=glassbook")
        self.run("sacctmgr", "-i", "add", "user", "root", f"Account={ACCOUNT}", f"DefaultAccount={ACCOUNT}")

    def _start_slurm(self):
        self._spawn("slurmctld", [_sbin("slurmctld"), "-D", "-f", str(self.conf)])
        self._wait("slurmctld", lambda: self.run("scontrol", "ping", check=False).stdout.find("UP") >= 0,
                   name="slurmctld")
        self._spawn("slurmd", [_sbin("slurmd"), "-D", "-f", str(self.conf), "-N", self.node])

        def idle():
            r = self.run("sinfo", "-h", "-o", "%t", check=False)
            return r.returncode == 0 and r.stdout.strip() in ("idle", "mix", "alloc")
        self._wait("node idle", idle, name="slurmd", timeout=90)
        self.log(f"SLURM up: node {self.node}, {self.cpus} CPUs, {self.memory_mb} MB, partition {PARTITION}, "
                 f"account {ACCOUNT}, accounting via slurmdbd + MariaDB")

    # ------------------------------------------------------------------ shutdown
    def stop(self):
        """Cancel our jobs, then stop the daemons in reverse order, by PID (TERM, then KILL)."""
        if "slurmctld" in self.procs and self.procs["slurmctld"].poll() is None:
            self.run("scancel", "--full", "--user=root", check=False, timeout=30)
            t0 = time.monotonic()
            while time.monotonic() - t0 < 30:
                r = self.run("squeue", "-h", check=False, timeout=30)
                if r.returncode != 0 or not r.stdout.strip():
                    break
                time.sleep(1)
        for name in reversed(list(self.procs)):
            proc = self.procs[name]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.log(f"{name} (pid {proc.pid}) ignored SIGTERM: SIGKILL")
                    proc.kill()
                    proc.wait()
                self.log(f"stopped {name} (pid {proc.pid})")
        self.procs_stopped = {n: p.pid for n, p in self.procs.items()}
        self.procs = {}
        self._unlink_system_conf()
        self.orphans_killed = self._kill_lost_job_processes()

    def _kill_lost_job_processes(self) -> list[str]:
        """Kill job processes that outlived their cancelled job step.

        proctrack/linuxproc (what this sandbox allows; real sites use proctrack/cgroup)
        finds a step's processes through their parent links, so a process that was
        being spawned, or re-parented to init, when ``scancel`` hit escapes it: seen
        here once as the cancelled job's inner ``snakemake --target-jobs`` left
        orphaned and idle. Such processes carry ``SLURM_CONF`` of this cluster in their
        environment; they are killed here, by PID, and reported."""
        killed = []
        for line in self.leftovers():
            pid = int(line.split(":", 1)[0])
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(line)
            except ProcessLookupError:
                continue
        t0 = time.monotonic()
        while killed and self.leftovers() and time.monotonic() - t0 < 10:
            time.sleep(0.2)
        for line in killed:
            self.log(f"killed a job process that proctrack/linuxproc lost track of: {line}")
        return killed

    def leftovers(self) -> list[str]:
        """Processes still running whose command line or environment points into the scratch directory."""
        found = []
        for pdir in Path("/proc").glob("[0-9]*"):
            try:
                cmd = (pdir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                envb = (pdir / "environ").read_bytes()
            except OSError:
                continue
            if int(pdir.name) == os.getpid():
                continue
            if str(self.dir) in cmd or f"SLURM_CONF={self.conf}".encode() in envb:
                found.append(f"{pdir.name}: {cmd.strip()[:120]}")
        return found
