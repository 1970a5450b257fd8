"""The same dialogue in a terminal (`omradesbot chat`): buttons become numbered choices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TextIO

from bot.core.dialogue import Dialogue, resolve_command
from bot.domain import (
    LANG_PREFIX,
    LANGUAGES,
    MENU_SUBSCRIBE,
    SUB_PREFIX,
    UNSUB_PREFIX,
    Button,
    Lang,
    Reply,
)
from bot.parsing import whole_number

QUIT_COMMANDS = frozenset({"/quit", "/exit", "/q"})
PROMPT = "> "


class TerminalChat:
    """One conversation: lines in from `stdin`, replies and numbered choices out to `stdout`."""

    def __init__(
        self,
        dialogue: Dialogue,
        lang: Lang,
        stdin: TextIO,
        stdout: TextIO,
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        """`clock`: the time now; by default the real time in the content's (settings') zone."""
        zone = dialogue.content.zone
        self._dialogue = dialogue
        self._lang = lang
        self._stdin = stdin
        self._stdout = stdout
        self._clock = clock or (lambda: dt.datetime.now(zone))
        self._choices: tuple[Button, ...] = ()

    def run(self) -> int:
        """Talk until /quit, end of input or Ctrl-C; return the exit status (0)."""
        self._show(self._dialogue.welcome(self._lang))
        self._say(self._dialogue.texts.get("chat_intro", self._lang))
        try:
            while True:
                self._stdout.write(PROMPT)
                self._stdout.flush()
                line = self._stdin.readline()
                if not line:  # end of input
                    self._stdout.write("\n")
                    break
                text = line.strip()
                if text.lower() in QUIT_COMMANDS:
                    break
                if text:
                    self._show(self._handle(text))
        except KeyboardInterrupt:
            self._stdout.write("\n")
        self._say(self._dialogue.texts.get("chat_goodbye", self._lang))
        return 0

    def _handle(self, text: str) -> Reply:
        choice = whole_number(text, max_digits=3)
        if choice is not None:
            return self._choose(choice)
        if text.startswith("/"):
            word, _, argument = text.partition(" ")
            return self._command(word, argument.strip())
        return self._dialogue.answer(text, self._lang)

    def _choose(self, number: int) -> Reply:
        if not 1 <= number <= len(self._choices):
            count = len(self._choices)
            if count == 0:
                return self._dialogue.answer(str(number), self._lang)
            return self._notice("chat_choice_invalid", count=count)
        data = self._choices[number - 1].data
        reply = self._dialogue.press(data, self._lang, self._clock())
        if reply is not None:
            return reply
        if data.startswith(LANG_PREFIX):
            return self._switch_language(data.removeprefix(LANG_PREFIX))
        if data == MENU_SUBSCRIBE or data.startswith((SUB_PREFIX, UNSUB_PREFIX)):
            return self._notice("chat_no_subscriptions")
        return self._notice("chat_nothing_stored")  # forget:yes / forget:no

    def _command(self, word: str, argument: str) -> Reply:
        name = resolve_command(word)
        lang = self._lang
        if name == "start":
            return self._dialogue.welcome(lang)
        if name == "help":
            return self._dialogue.help(lang)
        if name == "faq":
            return self._dialogue.topics(lang)
        if name == "milestones":
            return self._dialogue.milestones(lang, self._clock())
        if name == "language":
            return (
                self._switch_language(argument) if argument else self._dialogue.language_menu(lang)
            )
        if name in ("subscribe", "unsubscribe"):
            return self._notice("chat_no_subscriptions")
        if name in ("mydata", "forget"):
            return self._notice("chat_nothing_stored")
        if name == "survey":
            return self._notice("chat_no_surveys")
        return self._dialogue.unknown_command(lang)

    def _switch_language(self, code: str) -> Reply:
        for lang in LANGUAGES:
            if code.lower() == lang:
                self._lang = lang
                return self._dialogue.help(lang)
        return self._dialogue.language_menu(self._lang)

    def _notice(self, key: str, **values: object) -> Reply:
        return Reply(self._dialogue.texts.get(key, self._lang, **values))

    def _say(self, text: str) -> None:
        self._stdout.write(text + "\n")

    def _show(self, reply: Reply) -> None:
        """Print the reply and number its buttons; those numbers are the next valid choices."""
        self._say(reply.text)
        if reply.buttons:  # a reply without buttons keeps the previous choices valid
            self._choices = tuple(button for row in reply.buttons for button in row)
            for number, button in enumerate(self._choices, start=1):
                self._say(f"  [{number}] {button.label}")
        self._stdout.flush()


def run_chat(
    dialogue: Dialogue,
    lang: Lang,
    stdin: TextIO,
    stdout: TextIO,
    *,
    clock: Callable[[], dt.datetime] | None = None,
) -> int:
    """Run one terminal conversation; return the exit status."""
    return TerminalChat(dialogue, lang, stdin, stdout, clock=clock).run()
