# swgw developer entry points. Every target creates the virtual environment when it is missing, so a fresh
# clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test proto efti-schema lint typecheck bench reference codelists fuzz clean

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

# Official reference material (UBL 2.4, eFTI, UN/CEFACT code lists, UN/LOCODE, test vectors) from the publishers'
# addresses into .reference/, each file checked against its sha256 in tools/reference-files.tsv (standard library
# only, so no virtual environment is needed). With it the tests skip nothing for want of reference material.
reference:
	$(PYTHON) tools/reference.py fetch

# Rebuild the shipped tables (mappings/data/international/, the generated rows of the country and currency
# crosswalks) from the official files in .reference/ or ../shared/reference. LOCODE=... takes other UN/LOCODE CSV
# files or folders (e.g. a new edition's code-list.csv) with LOCODE_EDITION=...; see tools/refdata.py --help.
codelists:
	$(PYTHON) tools/refdata.py $(if $(LOCODE),--locode $(LOCODE) --locode-edition "$(LOCODE_EDITION)") $(REFDATA_ARGS)

# Coverage-guided fuzzing (atheris): every harness in fuzz/targets.py for FUZZ_SECONDS each, one after the other.
# A crash, a hang over FUZZ_TIMEOUT seconds or memory over FUZZ_RSS_MB is a finding, written under
# fuzz-out/findings/<harness>/; the run goes on with the next harness and fails at the end if any was found.
# FUZZ_TARGETS picks harnesses (default: all); FUZZ_FLAGS adds libFuzzer flags (e.g. -max_len=65536 -jobs=2);
# the corpus grows in fuzz-out/corpus/<harness>/ across runs.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS ?=
FUZZ_TIMEOUT ?= 10
FUZZ_RSS_MB ?= 2048
FUZZ_TARGETS ?= $(shell $(PY) -m fuzz.run --list)

fuzz: $(STAMP)
	@test -n "$(FUZZ_TARGETS)" || { echo "fuzz: no harnesses listed by python -m fuzz.run --list"; exit 1; }
	@failed=""; for t in $(FUZZ_TARGETS); do \
		mkdir -p fuzz-out/findings/$$t; \
		echo "== fuzz $$t for $(FUZZ_SECONDS)s"; \
		$(PY) -m fuzz.run $$t -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) \
			-rss_limit_mb=$(FUZZ_RSS_MB) -artifact_prefix=fuzz-out/findings/$$t/ -print_final_stats=1 $(FUZZ_FLAGS) \
			|| failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: findings in:$$failed (see fuzz-out/findings/)"; exit 1; fi

clean:
	rm -rf $(VENV) demo-out fuzz-out .pytest_cache .mypy_cache
