"""Loopback fakes of Telegram and the alert feeds, shared by the tests and the offline demo."""
