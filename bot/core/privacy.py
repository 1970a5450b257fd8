"""/forget as one operation: the resident's questions in the staff chats first, then every row.

The staff copies of a resident's tickets are blanked while the rows still say where they are;
then the rows go (bot/core/residents.py). No Telegram types: the copies are edited through the
`Messenger` port the transport hands in.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from bot.core.residents import Residents
from bot.core.tickets import Tickets
from bot.domain import Caller, Reply
from bot.ports import Messenger

log = logging.getLogger(__name__)


class Privacy:
    """The resident's right to be forgotten, across the parts of the bot that keep something."""

    def __init__(self, residents: Residents, tickets: Tickets) -> None:
        self._residents = residents
        self._tickets = tickets

    async def forget(self, caller: Caller, messenger: Messenger) -> Reply:
        """The confirm button of /forget: blank the staff copies, erase every row, say so."""
        if caller.private:
            try:
                await self._tickets.erase_staff_copies(caller.chat_id, messenger)
            except (SQLAlchemyError, OSError):
                # The rows are erased either way; the copies are named in the log for staff.
                log.exception("could not blank the staff copies before /forget")
        return await self._residents.forget(caller)
