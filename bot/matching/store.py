"""Where a trained model is kept between starts: one file per training key, in a directory.

Training takes a second or two (learned.py), more than the bot may take to start, so the
vocabulary and weights are stored under the key of everything they were learned from. A file
with another key is never read: changing an example, a synonym or the word data trains anew.
Files are written atomically; a missing, unreadable or foreign file means "train", never an error.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from bot.matching.model import Model
from bot.matching.vectorise import Vocabulary

log = logging.getLogger(__name__)
_PREFIX = "matcher-"
_KEEP = 4  # models kept side by side: a few contents (tests, a draft) may share one directory


class ModelStore:
    """Trained models in `directory`, by training key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, key: str) -> Path:
        """The file the model of `key` is kept in."""
        return self.directory / f"{_PREFIX}{key[:32]}.npz"

    def load(self, key: str, classes: int) -> tuple[Vocabulary, Model] | None:
        """The model stored for `key`, or None when there is none usable."""
        try:
            with np.load(self.path(key), allow_pickle=False) as data:
                if bytes(data["key"]).decode() != key:
                    return None
                keys = bytes(data["vocabulary"]).decode().split("\n")
                weights, bias, idf = data["weights"], data["bias"], data["idf"]
        except (OSError, KeyError, ValueError, UnicodeDecodeError):
            return None
        if (
            weights.shape != (len(keys), classes)
            or bias.shape != (classes,)
            or len(idf) != len(keys)
        ):
            return None
        return Vocabulary.restore(keys, idf), Model(weights, bias)

    def save(self, key: str, vocabulary: Vocabulary, model: Model) -> bool:
        """Keep the model of `key`; False (and a warning) when the directory is not writable."""
        temporary = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                np.savez(
                    stream,
                    key=np.frombuffer(key.encode(), np.uint8),
                    vocabulary=np.frombuffer("\n".join(vocabulary.keys).encode(), np.uint8),
                    idf=vocabulary.idf,
                    weights=model.weights,
                    bias=model.bias,
                )
            os.replace(temporary, self.path(key))
            temporary = None
            stored = sorted(self.directory.glob(f"{_PREFIX}*.npz"), key=lambda p: p.stat().st_mtime)
            for old in stored[:-_KEEP]:
                old.unlink(missing_ok=True)  # stale models of earlier content
        except OSError as exc:
            log.warning(
                "cannot keep the trained matcher in %s (%s); it is trained at each start",
                self.directory,
                exc,
            )
            return False
        finally:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
        return True
