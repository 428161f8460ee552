# swgw developer entry points. Every target creates the virtual environment when it is missing, so a fresh
# clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test proto efti-schema lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/swgw demo --out demo-out

test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

proto: $(STAMP)
	$(PY) tools/genproto.py

# The inbound eFTI schema, derived from the official consignment-common.xsd (EFTI_XSD) and the eFTI profile.
EFTI_XSD ?= ../shared/reference/efti/xsd/consignment-common.xsd
efti-schema: $(STAMP)
	$(PY) tools/genefti.py --official $(EFTI_XSD)

typecheck: $(STAMP)
	$(VENV)/bin/mypy

lint: $(STAMP)
	npx -y @bufbuild/buf lint

bench: $(STAMP)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache
