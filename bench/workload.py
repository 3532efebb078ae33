"""What a workload is and what one measurement of it gives (Python 3).

A ``Workload`` names a measurement, the servers it compares (``rows``,
``servers.ServerSpec``) and the function that measures one running
server.  ``run.py`` measures every row once per round and mode; the
report (``report.py``) takes medians over the rounds and, for ratios, the
median of each round's own ratio (a paired ratio: both servers measured
minutes apart, under the same load from elsewhere).
"""
import statistics
from dataclasses import dataclass, field

#: The row every other row is compared with.
SUBJECT = "wsgi-ng"
#: The same server serving its WebSocket echo on the event-driven API.
SERVED = SUBJECT + " serve()"


@dataclass
class Measurement:
    """One server's number in one workload, one round, one mode (value
    None: not measured), with everything worth knowing about how it went;
    *metrics* holds the secondary figures (CPU per request, p99, ...)."""
    value: float = None
    notes: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    #: "measured", or why there is no value: "skipped" or "failed".
    status: str = "failed"
    #: The server's log file when it wrote anything, else None.
    log: str = None


@dataclass
class Workload:
    key: str
    title: str
    unit: str
    rows: list
    #: ``measure(running_server, args) -> Measurement``.
    measure: object
    #: An executable the workload needs (wrk, h2load), or None.
    tool: str = None
    higher_is_better: bool = True
    #: (numerator, denominator) row names whose paired ratios the report
    #: gives; None: wsgi-ng against every other row.
    pairs: list = None
    #: Environment variables the servers get (on top of the harness's).
    env: dict = None
    #: (mode, row name) -> one Measurement per round.
    results: dict = field(default_factory=dict)
    skipped: str = None

    def record(self, mode, row, measurement):
        self.results.setdefault((mode, row.name), []).append(measurement)

    def rounds(self, mode, name):
        return self.results.get((mode, name), [])

    def ratio_pairs(self):
        if self.pairs is not None:
            return self.pairs
        names = [row.name for row in self.rows]
        if SUBJECT not in names:
            return []
        return [(SUBJECT, name) for name in names if name != SUBJECT]

    def paired(self, mode, numerator, denominator, metric=None):
        """Each round's ratio numerator / denominator of the value (or of
        *metric*), for the rounds that measured both."""
        return [a / b for a, b in self._pairs(mode, numerator, denominator,
                                              metric) if b]

    def paired_differences(self, mode, first, second, metric):
        """Each round's difference first - second of *metric*."""
        return [a - b for a, b in self._pairs(mode, first, second, metric)]

    def _pairs(self, mode, first, second, metric):
        for mine, theirs in zip(self.rounds(mode, first),
                                self.rounds(mode, second)):
            a, b = figure(mine, metric), figure(theirs, metric)
            if a is not None and b is not None:
                yield a, b

    def merged(self, mode, name):
        """The row's metrics over the rounds: numbers by their median,
        anything else as the last round had it; None if never run."""
        rounds = self.rounds(mode, name)
        if not rounds:
            return None
        merged = {}
        for key in {key for m in rounds for key in m.metrics}:
            values = [m.metrics.get(key) for m in rounds]
            numbers = [v for v in values if isinstance(v, (int, float))
                       and not isinstance(v, bool)]
            merged[key] = (statistics.median(numbers) if numbers else
                           next((v for v in reversed(values) if v), None))
        merged["value"] = median([m.value for m in rounds])
        return merged


def figure(measurement, metric=None):
    """The value, or one metric, of a measurement (None if missing)."""
    if metric is None:
        return measurement.value
    value = measurement.metrics.get(metric)
    return value if isinstance(value, (int, float)) else None


def median(values):
    """Median of the values that are there, or None."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
