# The two commands a newcomer needs: `make demo` and `make test`. Both start with `make venv`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: venv venv-torch system-deps release demo test bench clean

# system-deps first: the sandbox needs bubblewrap and libseccomp2. The runtime step is idempotent and runs every time,
# so a runtime that moved or went stale is rebuilt (without it every sandbox tier refuses to start).
venv: system-deps $(VENV)/.stamp
	$(BIN)/python -m autograder.sandbox.runtime

$(VENV)/.stamp: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

venv-torch: $(VENV)/.torch-stamp

$(VENV)/.torch-stamp: $(VENV)/.stamp requirements-torch.lock
	$(BIN)/pip install -q -r requirements-torch.lock
	touch $@

system-deps:
	scripts/install-system-deps $(SYSTEM_DEPS_FLAGS)

release: venv
	$(BIN)/python -m autograder.course.release celoss
	$(BIN)/python -m autograder.course.release layers

demo: venv
	$(BIN)/python -m autograder.frontends.demo

# The suite on TEST_WORKERS pytest-xdist workers: most tests wait on subprocesses (sandboxes, nbgrader, kernels),
# so more workers than cores pay off. loadscope keeps each module on one worker (its module fixtures are built once);
# tests/conftest.py hands the longest modules out first.
TEST_WORKERS ?= 4
test: SYSTEM_DEPS_FLAGS = --browser
test: venv venv-torch
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

bench: venv venv-torch
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) out build
