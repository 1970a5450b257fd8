"""Tests of bot/content/: loading, validation, examples, suggestions."""
