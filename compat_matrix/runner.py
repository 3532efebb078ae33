"""Start each host once, play every scenario on it, keep what it logged.

Hosts that are one server process (``reference-h1`` and ``reference-h2c``)
form one *launch*: it is started once, with the matrix app, every
scenario is played on each of its hosts, and when it stops its output is
split between the cells -- a line naming a scenario's path is that
scenario's evidence, the others (start-up, shutdown) the host's own.
Tracebacks become one line (their last), and every log line is
normalised, so a re-run gives the same lines.
"""
import collections
import io
import os
import shutil
import sys
import tempfile

from compat_matrix.cells import BROKEN, NOT_RUN, UNAVAILABLE, Cell
from compat_matrix.hostgate import gate
from compat_matrix.scenarios import SCENARIOS, play
from wsgi_ng.hosting import HOSTS, LiveServer
from wsgi_ng.hosting.client import client_for
from wsgi_ng.hosting.normalise import is_noise, normalise
from wsgi_ng.hosting.servers import WSGI_NG

APPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps")
APP = "matrix_app:application"
WARM_UP = "/warm-up/hello"

#: What the scenarios need besides the hosts: the Django project and the
#: Flask-Login app (``realapps.projects`` objects: where they are and who
#: logs in) and a certificate for the TLS hosts.
Context = collections.namedtuple("Context", "django_project flask_login_app "
                                 "certificate")


SETTINGS = u"""from .settings import *  # noqa

# compat_matrix: a quick hasher (apps/matrix_hasher.py) first; the stored
# hash is made quick at the first login
PASSWORD_HASHERS = ["matrix_hasher.QuickPBKDF2",
                    "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
"""


def add_matrix_settings(project):
    """The settings the matrix serves *project* with (``settings_matrix``,
    beside the generated ones, which stay as they are).  Apache started by
    root serves as www-data, which must write the database (sessions)."""
    with io.open(os.path.join(project.path, project.name,
                              "settings_matrix.py"), "w") as settings:
        settings.write(SETTINGS)
    if os.geteuid() == 0:
        os.chmod(project.path, 0o777)  # SQLite writes its journal beside
        os.chmod(os.path.join(project.path, "db.sqlite3"), 0o666)


def python_key():
    """This interpreter as tox names it: ``py27``, ``py311``."""
    return "py%d%d" % sys.version_info[:2]


def launches(names=None):
    """The hosts (*names*, else all) grouped by server process, in order."""
    grouped = collections.OrderedDict()
    for name in names or HOSTS:
        host = HOSTS[name]
        grouped.setdefault(host.launch_key, []).append(host)
    return grouped


class Launch(object):
    """One server process of the matrix, serving the matrix app to the
    *hosts* (all one server; TLS or not)."""

    def __init__(self, hosts, context):
        self.hosts = hosts
        self.server = hosts[0].server
        self.context = context
        self.gated = gate(self.server, [APPS])
        self.cells = collections.OrderedDict(
            (host.name, collections.OrderedDict()) for host in hosts)
        self.log = []
        self.live = self._state = None
        self.failure = None
        self._alone = {}  # scenario name -> the server of its own app

    def start(self):
        if self.gated is not None:
            return
        self._state = tempfile.mkdtemp(prefix="wsgi-ng-matrix-")
        os.chmod(self._state, 0o777)  # Apache's user leaves marks there
        project = self.context.django_project
        self.live = self._serve(APP, APPS, {
            "MATRIX_STATE": self._state,
            "MATRIX_DJANGO_PROJECT": project.path,
            "DJANGO_SETTINGS_MODULE": project.name + ".settings_matrix"})
        self.failure = self._warm_up(self.live, WARM_UP)

    def _serve(self, app, folder, environment=None):
        return LiveServer(self.server, app, cwd=folder, environment=environment,
                          certificate=self.context.certificate
                          if self.hosts[0].tls else None)

    def _warm_up(self, live, path):
        """Start *live* and wait until it answers (the app's import can take
        seconds); why it does not, or None."""
        try:
            live.start()
            client = client_for(self.hosts[0].protocol, live.port)
            reply = client.request("GET", path)
            client.close()
        except Exception as error:  # the server did not come up at all
            return "the server did not start: %s" % str(error).splitlines()[0]
        if reply.status is None:
            return "the app did not load: %s" % reply.error
        return None

    def _settle(self, live):
        """One last request, so that a server that logs a request after
        answering it has logged the previous one (certainly so when it
        serves one request at a time: wsgiref) before it is stopped."""
        client = client_for(self.hosts[0].protocol, live.port)
        client.request("GET", WARM_UP)
        client.close()

    def _own_app(self, scenario):
        """The server of *scenario*'s own app, started when first asked."""
        if scenario.name not in self._alone:
            app, folder = scenario.own_app
            live = self._alone[scenario.name] = self._serve(app, folder)
            live.failure_text = self._warm_up(live, "/")
        return self._alone[scenario.name]

    def play(self, host, scenario):
        """*scenario* on *host*: its cell (kept for the log to be added)."""
        if self.gated is not None:
            cell = Cell(self.gated.outcome, normalise(self.gated.why), facts={
                "host": "not for this Python"} if self.gated.outcome ==
                UNAVAILABLE else {})
        elif scenario.needs is not None and scenario.needs() is not None:
            outcome, why = scenario.needs()
            cell = Cell(outcome, why)
        elif self.failure is not None:
            cell = Cell(BROKEN, normalise(self.failure))
        elif scenario.own_app and self.server.family == WSGI_NG:
            live = self._own_app(scenario)
            cell = Cell(BROKEN, normalise(live.failure_text)) \
                if live.failure_text else play(scenario, host, live, self.context)
        else:
            cell = play(scenario, host, self.live, self.context,
                        mount="/" + scenario.name)
        self.cells[host.name][scenario.name] = cell
        return cell

    def stop(self):
        """Stop the server and give each cell its log lines."""
        if self.live is None:
            return
        for live in [self.live] + list(self._alone.values()):
            self._settle(live)
        self.live.stop()
        shutil.rmtree(self._state, ignore_errors=True)
        own, by_scenario = attribute_log(self.live.final_output)
        for name, live in self._alone.items():  # all of it about the one
            live.stop()
            by_scenario[name] = sorted(set(log_entries(live.final_output)))
        self.log = own
        for cells in self.cells.values():
            for name, cell in cells.items():
                if cell.outcome != NOT_RUN:
                    cell.log = by_scenario.get(name, [])

    def results(self):
        """``{host: {"log": [...], "scenarios": {name: cell json}}}``."""
        return collections.OrderedDict(
            (host, {"log": self.log, "scenarios": collections.OrderedDict(
                (name, cell.as_json()) for name, cell in cells.items())})
            for host, cells in self.cells.items())


def log_entries(output):
    """The server's output as entries: a line, or a whole traceback as
    ``Traceback: <its last line>``."""
    entries, in_traceback = [], False
    for line in output.splitlines():
        if line.startswith("Traceback (most recent call last)"):
            in_traceback = True
            continue
        if in_traceback:
            if line.startswith((" ", "\t")) or not line.strip():
                continue  # the frames
            in_traceback = False
            entries.append("Traceback: " + line.strip())
            continue
        if line.strip() and not is_noise(line):
            entries.append(line.rstrip())
    return [normalise(entry) for entry in entries]


def attribute_log(output):
    """``(the host's own lines, {scenario: its lines})``, each sorted with
    repeats removed: the order threads write in is not the host's
    behaviour."""
    own, by_scenario = set(), collections.defaultdict(set)
    for entry in log_entries(output):
        names = [scenario.name for scenario in SCENARIOS.values()
                 if any(prefix in entry for prefix in scenario.prefixes)]
        if names:
            by_scenario[names[0]].add(entry)
        else:
            own.add(entry)
    return sorted(own), dict((name, sorted(lines))
                             for name, lines in by_scenario.items())
