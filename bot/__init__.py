"""The Telegram side of the alert relay: application, commands, rendering, delivery, CLI."""
