"""Områdesboten's tests; a package so helpers such as tests.emulator are importable."""
