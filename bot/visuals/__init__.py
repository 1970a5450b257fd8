"""Pictures and files that show rather than tell: timeline PNG, staff charts, .ics, HTML report.

Core code: no Telegram types here. Rendering is pure (data in, bytes out) and runs in a worker
thread through `bot.visuals.cache`, so the event loop never waits for matplotlib.
"""
