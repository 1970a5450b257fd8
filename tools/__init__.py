"""Developer tools kept beside the bot: the Bot API emulator used by the tests and bench/."""
