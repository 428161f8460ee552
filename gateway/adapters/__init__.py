"""Adapters: the I/O behind the ports of :mod:`gateway.core.ports`, each with an in-memory twin.

``persistence`` (SQLAlchemy message book, trust rows, audit log), ``trustbook`` (partner trust and our keyring),
``partners`` (partner transports: the swgw gRPC client and its in-memory twin), the system clock, the scheduler,
the Prometheus exporter and the certificate-of-origin PDF renderer. Adapters import only the core; the
composition root (:mod:`gateway.app`) wires them to the pipeline.
"""
