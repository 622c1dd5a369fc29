# genoenc — the two commands of the README are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint test-workflows test-slow bench clean

# (Re)install when the venv is missing or the project's install files changed.
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev,plot,workflows,hf,bigwig,tensorboard]"
	touch $(STAMP)

install: $(STAMP)

ECOLI := data/samples/ecoli_k12_mg1655_GCF_000005845.2.fna.gz

# Two arms on the E. coli sample; --resume makes a second `make demo` reuse finished runs.
demo: $(STAMP)
	$(VENV)/bin/genoenc train --fasta $(ECOLI) --strategy full --out runs/demo/full --resume
	$(VENV)/bin/genoenc train --fasta $(ECOLI) --strategy learned --ratio 4 --out runs/demo/learned-r4 --resume

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest -m "not slow and not gpu and not workflows" -q
	$(MAKE) --no-print-directory test-workflows

# The Snakemake sample workflow end to end (then again: nothing to do), the Nextflow
# pipeline's genoenc commands in pipeline order, and torchrun with 2 CPU processes.
test-workflows: $(STAMP)
	$(VENV)/bin/pytest -m "workflows and not slow and not gpu" -q

test-slow: $(STAMP)
	$(VENV)/bin/pytest -m "slow" -q

bench: $(STAMP)
	$(PY) benchmarks/io.py
	$(PY) benchmarks/train.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache
