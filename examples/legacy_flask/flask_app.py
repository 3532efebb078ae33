"""A legacy Flask app, written for HTTP/1.1 WSGI servers.  Runs on Flask 1.1
(Python 2.7) up to 3.x."""
import hashlib

from flask import Flask, Response, jsonify, request

app = Flask(__name__)


@app.route("/upload", methods=["POST", "PUT"])
def upload():
    body = request.get_data()
    return jsonify(length=len(body), sha256=hashlib.sha256(body).hexdigest())


@app.route("/form", methods=["POST"])
def form():
    return jsonify(**request.form.to_dict())


@app.route("/cookies")
def cookies():
    return jsonify(**request.cookies.to_dict())


@app.route("/stream")
def stream():
    return Response((("line %d\n" % i).encode("ascii") for i in range(3)),
                    mimetype="text/plain")


@app.route("/hop-by-hop")
def hop_by_hop():
    """Headers an HTTP/1.1-era app sets that HTTP/2 forbids."""
    response = Response(b"legacy")
    response.headers["Connection"] = "keep-alive, X-Internal"
    response.headers["Keep-Alive"] = "timeout=5"
    response.headers["X-Internal"] = "hop"
    return response


@app.route("/ws")
def websocket():
    return Response(b"no websocket here", status=400)
