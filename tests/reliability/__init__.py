"""Reliability and security, measured: load, faults, hostile input, access and data (issue 9)."""
