"""Every workflow rule declares what a cluster scheduler needs (runtime, memory, threads),
and the Snakemake SLURM executor plugin is pinned. The cluster run itself is
`make test-cluster` (tools/cluster/test_cluster.py)."""
import re
import subprocess
import sys
from pathlib import Path

from glasshelpers.pipeline import registry

ROOT = Path(__file__).resolve().parents[1]


def test_every_job_declares_runtime_and_memory(tmp_path):
    env = {"GLASSBOOK_DATA": str(tmp_path / "data"), "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow" / "Snakefile"),
                        "--directory", str(tmp_path), "--config", "profile=tiny", "--cores", "2", "-n"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    blocks = re.split(r"^\[[^\n]*\]$", r.stdout, flags=re.M)
    jobs = [(m.group(1), b) for b in blocks if (m := re.search(r"^(?:local)?rule (\w+):", b, re.M))]
    assert jobs, r.stdout[-2000:]
    seen = {}
    for rule, body in jobs:
        if rule == "all":
            continue
        res = dict(re.findall(r"(\w+)=([^,\s]+)", re.search(r"resources: (.*)", body).group(1)))
        threads = int(re.search(r"threads: (\d+)", body).group(1)) if "threads:" in body else 1
        assert int(res["runtime"]) > 0 and int(res["mem_mb"]) > 0, (rule, res)
        seen.setdefault(rule, set()).add((int(res["runtime"]), int(res["mem_mb"]), threads))
    stages = {f"stage_{stem}" for stem in registry.per_profile_stems()}     # one rule per stage
    assert {"seed", "simulate"} | stages <= set(seen), seen
    assert [r_ for r_, _ in jobs].count("simulate") == 6 and sum(r_ in stages for r_, _ in jobs) == 6
    # the tiny workflow: 1 seed, 6 temperatures, 6 stages; every job fits the 2-CPU,
    # 20000 MB node of `make test-cluster`
    for rule, vals in seen.items():
        for runtime, mem, threads in vals:
            assert mem <= 20000 and threads <= 2, (rule, runtime, mem, threads)


def test_slurm_plugin_pinned_in_the_cluster_extra():
    pins = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    assert pins["snakemake-executor-plugin-slurm"] == "2.8.0"
    assert "snakemake-executor-plugin-slurm-jobstep" in pins
    assert 'cluster = ["snakemake-executor-plugin-slurm"]' in (ROOT / "pyproject.toml").read_text()


def test_the_slurm_run_targets_the_stage_that_writes_table1():
    """The cluster test stops its SLURM run at Table I (it compares table1_data.csv and the
    trajectories): its target must be the rule of the stage that writes that table."""
    sys.path.insert(0, str(ROOT / "tools" / "cluster"))
    try:
        import test_cluster
    finally:
        sys.path.pop(0)
    writers = [stem for stem in registry.per_profile_stems() if "table1_data" in registry.stage_results(stem)]
    assert [f"stage_{stem}" for stem in writers] == [test_cluster.TABLE1_RULE]
