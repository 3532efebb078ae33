"""Text made the same on every run: what a re-run would change -- ports,
dates, process ids, random keys and tokens, durations, versions in
``Server`` fields, temporary folders -- is replaced by a placeholder.

``wsgi-ng check`` compares bodies so (a page that shows the time or a CSRF
token is the same page), and the compatibility matrix its evidence, so
that a fresh run's results equal the committed ones unless a host really
behaved differently."""
import re

RANDOM = [
    # dates: HTTP dates, access-log dates, ISO timestamps, Apache's, uWSGI's
    (re.compile(r"\w{3}, \d{2}[ -]\w{3}[ -]\d{4} \d{2}:\d{2}:\d{2} GMT"), "<date>"),
    (re.compile(r"\[[^\[\]]*\d{1,2}:\d{2}:\d{2}[^\[\]]*\]"), "[<date>]"),
    (re.compile(r"\w{3} \w{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}"), "<date>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}([.,]\d+)?( ?[+-]\d{4})?"),
     "<date>"),
    # where: ports of 127.0.0.1, temporary folders
    (re.compile(r"(127\.0\.0\.1|localhost|\[::1\]):\d+"), r"\1:<port>"),
    (re.compile(r"\('127\.0\.0\.1', \d+\)"), "('127.0.0.1', <port>)"),
    (re.compile(r"/tmp/[\w.-]+(/[\w.-]+)*"), "<tmp>"),
    # random tokens: session ids, CSRF tokens, WebSocket keys, hashes --
    # a cookie's (or a query field's) value of 16 characters or more
    (re.compile(r"(?<=[\w-]=)[\w+.:-]{16,}=*(?=[;&\s\"]|$)"), "<token>"),
    # anything else random: 20 characters or more, three digits among them
    # (not a host's name)
    (re.compile(r"(?<![\w/.-])(?=(?:[\w+.:-]*?\d){3})(?=[\w+.:-]*[A-Za-z])"
                r"[\w+.:-]{20,}=*"), "<token>"),
]

#: What else a server's log lines hold that a re-run changes.
VOLATILE = [
    # who: process and thread ids, addresses
    (re.compile(r"\b(pid|tid|pid:|tid:|pid=)( ?)\d+"), r"\1\2<n>"),
    (re.compile(r"\(\d+\)$"), "(<n>)"),
    (re.compile(r"^\(\d+\) "), "(<n>) "),
    (re.compile(r"(?<=\] )\[\d+\](?= \[)"), "[<n>]"),
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "0x<addr>"),
    # how long and how much: durations, counters, bytes sent before a
    # client left -- they vary with the machine's load
    (re.compile(r"\b\d+\.\d{3,}\b"), "<secs>"),
    (re.compile(r"\b\d+ (msecs|usecs|ms)\b"), r"<n> \1"),
    (re.compile(r"\breq: \d+/\d+"), "req: <n>"),
    (re.compile(r"\bcore \d+"), "core <n>"),
    (re.compile(r"\b\d+ seconds\b"), "<n> seconds"),
    (re.compile(r"\b\d+ (switches|vars|bytes)\b"), r"<n> \1"),
    (re.compile(r'(HTTP/[\d.]+" \d{3}) \d+'), r"\1 <size>"),
    # versions: Server fields (gunicorn/19.10.0) and banners (gunicorn 27.0.1)
    (re.compile(r"(?<!HTTP)(?<=[A-Za-z])/\d+(\.\d+)+[\w.+-]*"), "/<v>"),
    (re.compile(r"(?<![\d.])\d+\.\d+\.\d+(?![\d.])[\w+-]*"), "<v>"),
]


#: Which of two errors a server meets when a client leaves is a race: a
#: write after the client's FIN fails with EPIPE, one after its RST with
#: ECONNRESET.  Both say the same: the client is gone.
CLIENT_GONE = re.compile(
    r"(BrokenPipeError|ConnectionResetError|error|IOError|OSError|socket\.error)"
    r"?:? ?\[Errno (32|104)\] (Broken pipe|Connection reset by peer)|"
    r"Connection reset by peer|Broken pipe")


#: Log lines that say how busy the machine was, not how the host behaved.
NOISE = re.compile(r"Task queue depth is \d+")


def is_noise(line):
    return NOISE.search(line) is not None


def _apply(rules, text):
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


def mask(text):
    """*text* (a page, say) with what is random replaced: dates, ports,
    tokens."""
    return _apply(RANDOM, text)


def normalise(line):
    """A log or evidence line with every run-dependent part replaced (the
    versions in it too)."""
    line = _apply(VOLATILE, _apply(RANDOM, line))
    return CLIENT_GONE.sub("<client gone: EPIPE or ECONNRESET>", line)
