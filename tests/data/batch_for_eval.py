"""Temporary stand-in for `omradesbot ask --batch`: JSON lines in, {"topic","score","reply"} out.

Loads only content/faq.yaml (with an empty texts file) so the FAQ can be scored while the real
command and the UI texts are being written elsewhere.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from bot.answers import Matcher
from bot.content import Content, load_content

ROOT = Path(__file__).resolve().parents[2]
UNKNOWN = {
    "sv": "Det vet jag tyvärr inte. Skriv /faq för att se vad jag kan svara på.",
    "en": "Sorry, I don't know that. Type /faq to see what I can answer.",
}


def load_faq(content_dir: Path = ROOT / "content") -> Content:
    """Load faq.yaml and the article from `content_dir` with no other content files."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp)
        shutil.copy(content_dir / "faq.yaml", target / "faq.yaml")
        shutil.copytree(content_dir / "source", target / "source")
        (target / "texts.yaml").write_text("{}\n", encoding="utf-8")
        return load_content(target)


def main() -> int:
    content = load_faq()
    matcher = Matcher(content)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        lang = request.get("lang", "sv")
        lang = lang if lang in ("sv", "en") else "sv"
        match = matcher.match(request.get("text", ""), lang)
        reply_lang = match.language or lang
        entry = content.entry(match.topic) if match.topic else None
        reply = entry.answer[reply_lang] if entry else UNKNOWN[reply_lang]
        out = {
            "topic": match.topic,
            "score": match.score,
            "reply": reply,
            "suggestions": list(match.suggestions),
            "smalltalk": match.smalltalk,
        }
        print(json.dumps(out, ensure_ascii=False), flush=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
