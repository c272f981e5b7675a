"""Feed adapters: fetch public feeds and turn them into plain, typed observations.

Nothing in this package talks to the database or to Telegram.
"""
