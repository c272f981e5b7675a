"""Command handlers: residents' commands, admin truce commands, and their argument parsers."""
