"""Områdesboten's tests; a package so shared helpers (databases, e2e support) are importable."""
