"""Pure: what leaves the app — the one outbound HTTP client and the webhook messages.

Nothing here imports Flask or the database session; services hand in plain
settings and data and record what came back.
"""
