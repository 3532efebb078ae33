"""The report (Python 3 only): per workload a table with every mode side
by side -- medians over the rounds -- and the medians of paired ratios;
then issue 11's speed targets against those ratios, the faults' targets,
and every server log that is not empty.
"""
import faults
import shimcost
import tools
from workload import SERVED, SUBJECT, median

#: Issue 11's speed targets: (workload, numerator, denominator, at least
#: (True) or at most, threshold, what the issue says).
TARGETS = [
    ("h1", SUBJECT, "uvicorn-httptools", True, 0.8,
     "HTTP/1.1 >= 0.8x uvicorn (httptools + uvloop, ASGI hello)"),
    ("h1", SUBJECT, "gunicorn", True, 4.0, "HTTP/1.1 >= 4x gunicorn gthread"),
    ("h2", SUBJECT, "hypercorn-asgi", True, 2.0,
     "h2c >= 2x hypercorn (ASGI hello)"),
    ("ws", SUBJECT, "uvicorn", True, 1.0,
     "WebSocket echo >= 1.0x uvicorn's (blocking API)"),
    ("ws", SERVED, SUBJECT, True, 1.0,
     "WebSocket echo: the event-driven API (serve()) above the blocking one"),
    ("wsmem", SERVED, "hypercorn-asgi", False, 1.0,
     "idle WebSocket memory <= hypercorn's (the event-driven API, serve())"),
]


def mode_label(mode):
    return mode if mode == "default" else "pinned %s" % mode.split(":")[1]


def print_table(workload, modes):
    """Values (median over rounds, with the server's CPU per request and
    p99 where measured), every mode side by side; then the paired ratios."""
    print("\n== %s" % workload.title)
    if workload.skipped:
        print("   skipped: %s" % workload.skipped)
        return
    rounds = max((len(v) for v in workload.results.values()), default=0)
    print("   %s, %s is better; medians over %d round(s)" % (
        workload.unit, "higher" if workload.higher_is_better else "lower",
        rounds))
    each = workload.unit.split("/")[0]
    extras = [(key, label) for key, label in (("cpu_us", "CPU us/" + each),
                                              ("p99", "p99"))
              if any(key in m.metrics for ms in workload.results.values()
                     for m in ms)]
    header = ["server", "app"]
    for mode in modes:
        header += ["%s: %s" % (mode_label(mode), workload.unit)]
        header += [label for _, label in extras]
    rows = [header]
    for row in workload.rows:
        cells = [row.name, row.app]
        for mode in modes:
            merged = workload.merged(mode, row.name) or {}
            cells.append(fmt(merged.get("value")))
            for key, _ in extras:
                value = merged.get(key)
                cells.append(tools.ms(value) if key == "p99"
                             else fmt(value))
        rows.append(cells)
    print_grid(rows)
    print_ratios(workload, modes)
    print_notes(workload, modes)


def print_ratios(workload, modes):
    pairs = workload.ratio_pairs()
    if not pairs:
        return
    cpu = any("cpu_us" in m.metrics for ms in workload.results.values()
              for m in ms)
    print("   paired ratios (each round's ratio of two servers measured "
          "minutes apart; median, then the rounds)%s:" % (
              "; 'per CPU s' compares %s per second of server CPU (the "
              "inverse ratio of CPU per %s), which load from elsewhere "
              "moves less" % (workload.unit.split("/")[0],
                              workload.unit.split("/")[0]) if cpu else ""))
    rows = [["ratio"]]
    for mode in modes:
        rows[0] += [mode_label(mode)] + (["per CPU s"] if cpu else [])
    for numerator, denominator in pairs:
        cells = ["%s / %s" % (numerator, denominator)]
        for mode in modes:
            cells.append(ratio_cell(workload.paired(mode, numerator,
                                                    denominator)))
            if cpu:
                cells.append(ratio_cell(workload.paired(
                    mode, denominator, numerator, "cpu_us")))
        rows.append(cells)
    print_grid(rows, left=1)


def ratio_cell(ratios):
    if not ratios:
        return "-"
    return "%.2fx (%s)" % (median(ratios),
                           " ".join("%.2f" % r for r in ratios))


def print_notes(workload, modes):
    """Each distinct note once, with the modes and rounds it came from."""
    for row in workload.rows:
        seen = {}
        for mode in modes:
            for number, measurement in enumerate(
                    workload.rounds(mode, row.name), 1):
                for note in measurement.notes:
                    seen.setdefault(note, []).append(
                        "%s r%d" % (mode_label(mode), number))
        for note, where in seen.items():
            print("   - %s [%s]: %s" % (row.name, ", ".join(where), note))


def print_targets(by_key, modes):
    """Issue 11's speed targets against the medians of paired ratios."""
    rows = [["target"]]
    for mode in modes:
        rows[0] += [mode_label(mode), "per CPU s"]
    for key, numerator, denominator, at_least, threshold, text in TARGETS:
        workload = by_key.get(key)
        if workload is None or workload.skipped:
            continue
        cells = [text]
        for mode in modes:
            cells.append(target_cell(median(workload.paired(
                mode, numerator, denominator)), at_least, threshold))
            cells.append(target_cell(median(workload.paired(
                mode, denominator, numerator, "cpu_us")), at_least,
                threshold))
        rows.append(cells)
    workload = by_key.get("h1")
    if workload and not workload.skipped:
        cells = ["containment: contained - --ng <= ~2 us of CPU per request "
                 "(median of paired differences)"]
        for mode in modes:
            rounds = workload.paired_differences(
                mode, SUBJECT, SUBJECT + " --ng", "cpu_us")
            extra = median(rounds)
            cells += ["", "-" if extra is None else "%+.0f us (%s): %s" % (
                extra, " ".join("%+.0f" % r for r in rounds),
                "met" if extra <= 2 else "NOT MET")]
        rows.append(cells)
        rows.append(["containment: the shim alone, in process (shimcost.py; "
                     "a floor, reported)"] + [""] * (2 * len(modes) - 1) +
                    ["%.1f us" % shimcost.shim_cost_us()])
    if len(rows) > 1:
        print("\n== Issue 11's speed targets (medians of paired ratios)")
        print_grid(rows, left=1)


def target_cell(ratio, at_least, threshold):
    if ratio is None:
        return "-"
    met = ratio >= threshold if at_least else ratio <= threshold
    return "%.2fx: %s" % (ratio, "met" if met else "NOT MET")


def print_faults(by_key, modes, args):
    for mode in modes:
        heads, lines = faults.summary(by_key, mode, args)
        if not lines:
            continue
        print("\n== Faults against issue 11's targets, %s (medians over the "
              "rounds)" % mode_label(mode))
        heads = ["situation", "figure"] + heads + ["target",
                                                   SUBJECT + " vs target"]
        print_grid([heads] + lines, left=len(heads))


def print_logs(all_workloads, modes, head=25, tail=10):
    """Every non-empty server log: at --log-level warning, each line is a
    warning, an error or a traceback."""
    logs = [(w, name, m) for w in all_workloads
            for (mode, name), ms in w.results.items() for m in ms if m.log]
    if not logs:
        print("\n== Server logs: all empty (no warnings, errors or "
              "tracebacks)")
        return
    for workload, name, measurement in logs:
        with open(measurement.log, encoding="utf-8", errors="replace") as log:
            lines = log.read().rstrip().splitlines()
        print("\n== Log of %s in %s (%d lines): %s" % (
            name, workload.key, len(lines), measurement.log))
        shown = lines if len(lines) <= head + tail else (
            lines[:head] + ["    [... %d lines ...]" % (len(lines) - head
                                                        - tail)]
            + lines[-tail:])
        for line in shown:
            print("   | " + line)


#: Print the tables as Markdown (``--markdown``), for bench/README.md.
MARKDOWN = False


def print_grid(rows, left=2):
    """Rows of cells in columns; the first *left* flush left, the rest
    (numbers) flush right."""
    if MARKDOWN:
        marks = [":---" if i < left else "---:" for i in range(len(rows[0]))]
        for row in [rows[0], marks] + rows[1:]:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("   " + "  ".join(cell.ljust(width) if i < left else
                                cell.rjust(width)
                                for i, (cell, width) in enumerate(
                                    zip(row, widths))).rstrip())


def fmt(value):
    if value is None:
        return "-"
    return "%.1f" % value if value < 100 else "{:,.0f}".format(value)
