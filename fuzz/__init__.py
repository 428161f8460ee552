"""Fuzz harnesses for every parser that faces a stranger (issue 10 item 7).

One harness per parser (:data:`fuzz.targets.TARGETS`): record JSON, inbound XML (hardened parse and signature
verification), reverse mapping of each XML profile, EDIFACT reverse mapping, envelope and receipt decoding, CRL
import and the configuration TOML. Each checks one property (:func:`fuzz.property.outcome`): the call returns, or
it raises one of the project's error types with a stable ``code``; any other exception is a finding.

``python -m fuzz.run TARGET`` runs one harness under atheris (coverage-guided libFuzzer); ``make fuzz`` runs them
all for ``FUZZ_SECONDS`` each. ``tests/fuzz`` runs every harness over its seeds plus a bounded number of generated
inputs on each ``make test``, and replays the findings saved under ``tests/vectors/fuzz``.
"""
