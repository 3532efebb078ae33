"""A static HTML page of outcomes in a grid: rows (hosts, requests) by
columns (scenarios, hosts), each cell coloured by its outcome, its
evidence one click away, with filters by row, column and *variant* (a
Python version, a protocol).  One file, no server and nothing to load:
``wsgi-ng check --html`` writes one, and so does the compatibility
matrix.

``grid_page(grid)`` takes a ``Grid``: plain data, so the same results
always give the same bytes (the matrix commits its page and checks it).
"""
import io
import json
import os

#: The page: its style and script, with ``@TITLE@`` and ``@DATA@``.
TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "page.html")

#: Outcomes, best first, with the colour and word each gets.
OUTCOMES = [
    ("full", "#2e7d32", "worked as asked"),
    ("same", "#2e7d32", "the same as the baseline"),
    ("degraded", "#f9a825", "worked, degraded as the spec says"),
    ("unavailable", "#90a4ae", "cannot be had here; answered honestly"),
    ("different", "#c62828", "differs from the baseline"),
    ("broken", "#c62828", "wrong, or no answer"),
    ("not-run", "#e0e0e0", "not played here"),
]


class Grid(object):
    """What the page shows.  *rows* and *columns* are ``(name, note)``
    pairs; *variants* names the variants (``["2.7", "3.11"]``, or one);
    ``add(row, column, variant, outcome, how, evidence)`` fills a cell."""

    def __init__(self, title, intro, rows, columns, variants,
                 variant_label="variant", row_label="host",
                 column_label="scenario"):
        self.title, self.intro = title, intro
        self.rows, self.columns = list(rows), list(columns)
        self.variants, self.variant_label = list(variants), variant_label
        self.row_label, self.column_label = row_label, column_label
        self.cells = {}
        self.row_evidence = {}
        self._evidence = []
        self._seen = {}

    def _index(self, lines):
        key = "\n".join(lines)
        if key not in self._seen:
            self._seen[key] = len(self._evidence)
            self._evidence.append(list(lines))
        return self._seen[key]

    def add(self, row, column, variant, outcome, how, evidence):
        self.cells.setdefault(row, {}).setdefault(column, {})[variant] = {
            "o": outcome, "h": how, "e": self._index(evidence)}

    def add_row_evidence(self, row, variant, lines):
        """What belongs to the row itself (a host's start-up lines)."""
        self.row_evidence.setdefault(row, {})[variant] = self._index(lines)

    def as_json(self):
        return {"title": self.title, "intro": self.intro,
                "rows": [list(pair) for pair in self.rows],
                "columns": [list(pair) for pair in self.columns],
                "variants": self.variants, "variantLabel": self.variant_label,
                "rowLabel": self.row_label, "columnLabel": self.column_label,
                "cells": self.cells, "rowEvidence": self.row_evidence,
                "evidence": self._evidence,
                "outcomes": [list(outcome) for outcome in OUTCOMES]}


def grid_page(grid):
    """The page, as text: ``page.html`` with the grid's data in it."""
    data = json.dumps(grid.as_json(), sort_keys=True, separators=(",", ":"))
    with io.open(TEMPLATE, encoding="utf-8") as template:
        page = template.read()
    return page.replace(u"@TITLE@", _escape(grid.title)).replace(
        u"@DATA@", data.replace("</", "<\\/"))


def _escape(text):
    return text.replace(u"&", u"&amp;").replace(u"<", u"&lt;").replace(
        u">", u"&gt;")
