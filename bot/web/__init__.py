"""The bot's own HTTP server (issue 14): health, readiness, metrics, the Telegram webhook."""
