"""The compatibility matrix's page (compat_matrix/matrix.html, generated
by tox -e matrix) in headless Chromium: the grid renders with every host
and every scenario, a cell's evidence is one click away, and the filters
by host, Python and scenario work."""
import json
import os

from realapps.chromium import Chromium
from realapps.examples import ROOT
from wsgi_ng.hosting import HOSTS

PAGE = os.path.join(ROOT, "compat_matrix", "matrix.html")


def scenarios():
    """The scenario names, as the page was made with them (the page
    carries its data: the columns are the matrix's)."""
    with open(PAGE) as page:
        text = page.read()
    marker = '<script id="data" type="application/json">'
    start = text.index(marker) + len(marker)
    data = json.loads(text[start:text.index("</script>", start)])
    return [name for name, _ in data["columns"]], data["variants"]


def test_the_grid_renders_with_every_host_and_scenario(tmpdir):
    columns, pythons = scenarios()
    assert len(columns) >= 16 and "2.7" in pythons
    with Chromium(str(tmpdir.mkdir("profile"))) as browser:
        tab = browser.new_tab()
        tab.loading(tab.navigate, "file://" + os.path.abspath(PAGE))
        assert tab.evaluate("document.body.getAttribute('data-drawn')") == "yes"
        rows = tab.evaluate("[].map.call(document.querySelectorAll("
                            "'#grid tbody tr'), function (r) { return "
                            "r.getAttribute('data-row'); })")
        heads = tab.evaluate("[].map.call(document.querySelectorAll("
                             "'#grid thead th[data-column]'), function (h) { "
                             "return h.getAttribute('data-column'); })")
        coloured = tab.evaluate(
            "[].filter.call(document.querySelectorAll('#grid td.cell'), "
            "function (td) { return td.style.background; }).length")
        cell = 'tr[data-row="waitress"] td[data-column="websocket-echo"]'
        tab.evaluate("document.querySelector('%s').scrollIntoView("
                     "{block: 'center', inline: 'center'})" % cell)
        tab.click(cell)
        evidence = tab.evaluate("document.getElementById('evidence').innerText")
        tab.evaluate("window.scrollTo(0, 0)")
        tab.type_into("#row-filter", "gunicorn")
        filtered = tab.evaluate("document.querySelectorAll('#grid tbody tr')"
                                ".length")
        tab.evaluate("(function () { var s = document.getElementById('variant');"
                     " s.value = '2.7'; s.dispatchEvent(new Event('change')); "
                     "})()")
        h2_on_27 = tab.evaluate(
            "document.querySelector('tr[data-row=\"gunicorn-h2\"] "
            "td[data-column=\"plain\"]').className")
    assert rows == list(HOSTS)
    assert heads == columns
    assert coloured == len(HOSTS) * len(columns)
    assert "waitress" in evidence and "websocket-echo" in evidence
    assert "426" in evidence and "wire:" in evidence
    assert filtered == len([name for name in HOSTS if "gunicorn" in name])
    assert "unavailable" in h2_on_27  # gunicorn serves HTTP/2 on 3.10+ only
