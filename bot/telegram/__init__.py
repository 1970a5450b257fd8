"""The python-telegram-bot adapter: application, thin handlers, keyboards, filters, logging."""
