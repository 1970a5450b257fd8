"""The typed callback context: handlers reach the services as `context.services`."""

from __future__ import annotations

from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.services import Services


class BotData:
    """Application-wide state: the services, set once when the application is built."""

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        """The long-lived services; RuntimeError if the application was built without them."""
        if self._services is None:
            raise RuntimeError("the application has no services; build it with build_application")
        return self._services

    @services.setter
    def services(self, services: Services) -> None:
        self._services = services


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context every handler, job and the error handler receive."""

    @property
    def services(self) -> Services:
        """Shortcut for `context.bot_data.services`."""
        return self.bot_data.services


CONTEXT_TYPES = ContextTypes(context=BotContext, bot_data=BotData)

BotApplication: TypeAlias = Application[
    ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, None
]
