"""What ``wsgi-ng check`` found, as a table a person reads (stdout) and as
an HTML page for a CI artifact (``--html``)."""
from wsgi_ng.check.compare import DEGRADED, DIFFERENT, SAME
from wsgi_ng.hosting.page import Grid, grid_page

MARKS = {SAME: "=", DEGRADED: "~", DIFFERENT: "X"}


def columns(rows, widths=None):
    """*rows* (lists of text) as lines with the columns aligned."""
    widths = widths or [max(len(row[i]) for row in rows)
                        for i in range(len(rows[0]))]
    return ["  ".join(text.ljust(width) for text, width in zip(row, widths))
            .rstrip() for row in rows]


def text(check, spec):
    """The report: a grid of requests by hosts, then each difference and
    degradation with what differs and the shim that fixes it."""
    hosts = [host.name for host in check.hosts]
    labels = []
    for row in check.rows:
        if row.request.label() not in labels:
            labels.append(row.request.label())
    verdicts = dict(((row.request.label(), row.host), row) for row in check.rows)
    lines = ["wsgi-ng check %s: %d request%s on %d host%s; the baseline is "
             "%s, the app as given." % (
                 spec, len(labels), "" if len(labels) == 1 else "s",
                 len(hosts), "" if len(hosts) == 1 else "s",
                 check.baseline.description if check.baseline else "none"), ""]
    grid = [["request"] + hosts]
    for label in labels:
        cells = []
        for host in hosts:
            found = verdicts.get((label, host))
            cells.append("-" if found is None else MARKS[found.verdict.kind] + (
                " fixed" if found.fix else " to ~" if found.softer else ""))
        grid.append([label] + cells)
    lines += columns(grid)
    lines += ["", "= same as the baseline, ~ degraded as the spec allows, "
              "X different; 'fixed': a shim makes it the same, 'to ~': a "
              "shim makes it a degradation the spec allows, named below.",
              ""]
    notable = [row for row in check.rows if row.verdict.kind != SAME]
    if notable:
        lines.append("Differences and degradations:")
        table = [["request", "host", "verdict", "what", "fixed by"]]
        for row in notable:
            table.append([row.request.label(), row.host, row.verdict.kind,
                          "; ".join(row.verdict.what), row.fix or row.softer or
                          ("no shim fixes it" if row.verdict.kind == DIFFERENT
                           else "-")])
        lines += columns(table)
    else:
        lines.append("Every reply is the baseline's.")
    for host, why in check.failures:
        lines.append("%s failed: %s" % (host, why))
    return "\n".join(lines) + "\n"


def summary(check, allowed):
    counts = dict((kind, len([1 for found in check.rows
                              if found.verdict.kind == kind]))
                  for kind in (DIFFERENT, DEGRADED))
    fixed = len([row for row in check.rows if row.fix])
    status = check.exit_status(allowed)
    return ("%d different, %d degraded (%d fixed by a shim)%s; exit status %d"
            "%s" % (counts[DIFFERENT], counts[DEGRADED], fixed,
                    ", %d host%s failed" % (len(check.failures), "" if len(
                        check.failures) == 1 else "s") if check.failures
                    else "", status, " (--allow degraded lets degradations "
                    "pass)" if status and not counts[DIFFERENT] and not
                    check.failures else ""))


def html(check, spec):
    """The page: requests by hosts, each cell's evidence a click away."""
    labels = []
    for row in check.rows:
        if row.request.label() not in [label for label, _ in labels]:
            labels.append((row.request.label(), ""))
    grid = Grid("wsgi-ng check %s" % spec, "Each request on each host, the "
                "app as given, judged against %s." % (
                    check.baseline.description if check.baseline else "-"),
                labels, [(host.name, host.description) for host in check.hosts],
                ["as given"], variant_label="app", row_label="request",
                column_label="host")
    for row in check.rows:
        evidence = ["status: %s" % row.observed.outcome(),
                    "content type: %s" % (row.observed.content_type or "none"),
                    "body: %s" % row.observed.shown()]
        evidence += ["differs: %s" % what for what in row.verdict.what]
        if row.fix:
            evidence.append("fixed by: %s" % row.fix)
        elif row.softer:
            evidence.append("with a shim: %s" % row.softer)
        grid.add(row.request.label(), row.host, "as given", row.verdict.kind,
                 "; ".join(row.verdict.what)[:80] + (
                     " [fixed by %s]" % row.fix.split(" ")[0] if row.fix else ""),
                 evidence)
    return grid_page(grid)
