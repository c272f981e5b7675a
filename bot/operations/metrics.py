"""What the pipeline reports to the operator's metrics (issue 14), as a seam.

The pollers and the dispatcher take a :class:`Metrics` and call it at a few marked points
(``# metrics:``); by default nothing is recorded. ``bot.web.metrics.PrometheusMetrics`` is the
real one. Figures that live in the database (queue depth, subscribers, feed ages) are not
pushed from here: the metrics endpoint reads them when scraped.
"""

from __future__ import annotations

from typing import Protocol

# Alert messages' delivery latency is kept apart for channel posts (one post reaches every
# reader of the channel, and goes first) and direct messages.
CHANNEL = "channel"
DIRECT = "direct"


class Metrics(Protocol):
    def poll(self, feed: str, outcome: str, seconds: float) -> None:
        """One poll of an alert feed: ``outcome`` is ``ok`` or ``error``."""

    def alert_event(self, kind: str, transition: str) -> None:
        """An alert event was recorded (``transition``: ``start`` or ``end``)."""

    def send(self, outcome: str) -> None:
        """One send attempt's outcome, as the dispatcher counts it (``sent``,
        ``retry_after``, ``forbidden``, ``network``, ``bad_request``, ...)."""

    def alert_delivered(self, target: str, seconds: float) -> None:
        """Telegram accepted an alert message ``seconds`` after the alert was detected;
        ``target`` is :data:`CHANNEL` or :data:`DIRECT`."""


class NoMetrics:
    """Records nothing: the default wherever no metrics are wanted."""

    def poll(self, feed: str, outcome: str, seconds: float) -> None:
        pass

    def alert_event(self, kind: str, transition: str) -> None:
        pass

    def send(self, outcome: str) -> None:
        pass

    def alert_delivered(self, target: str, seconds: float) -> None:
        pass


NO_METRICS: Metrics = NoMetrics()
