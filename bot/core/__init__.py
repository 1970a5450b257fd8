"""What the bot does, no Telegram types, no SQL: dialogue, residents, tickets, staff, privacy."""
