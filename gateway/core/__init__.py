"""The ground floor: domain types, errors, ports, partner agreements with their retry policy, routing and settings.

Everything here is pure: no I/O library, no clock read, no file or environment access. Every other floor of the
gateway builds on it; it imports only ``mappings`` and ``trust`` (pure as well).
"""
