"""Tests of tools/: the Bot API emulator."""
