"""Service tests run on SQLite and PostgreSQL through `database` (tests/conftest.py)."""
