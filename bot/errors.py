"""The exceptions Områdesboten raises on purpose.

OmradesbotError                 base of everything below
├── ConfigError                 a setting in the environment is missing or invalid
├── ContentError                content/*.yaml is malformed; `.problems` lists every one
└── StorageError                the database could not be reached or migrated
"""

from __future__ import annotations


class OmradesbotError(Exception):
    """Base class of the bot's own errors."""


class ConfigError(OmradesbotError):
    """A setting is missing or invalid; the message names the variable."""


class ContentError(OmradesbotError):
    """Content files failed validation; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class StorageError(OmradesbotError):
    """The database could not be reached or migrated."""
