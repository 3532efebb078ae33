"""A WebSocket echo written straight on ``gunicorn.socket`` with wsproto,
the way simple-websocket does it (which does not run on Python 2.7): the
handshake is rebuilt from the environ, the 101 and the frames are written
on the socket, and the request ends with ``StopIteration``.

``/crash`` takes the socket and then fails; ``/look`` only looks at it and
answers as any view does; ``/returns`` ends its session by returning."""
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection, CloseConnection, Message, Ping, Request,
)


def application(environ, start_response):
    sock = environ.get("gunicorn.socket")
    path = environ["PATH_INFO"]
    if sock is None:
        start_response("426 Upgrade Required", [("Content-Type", "text/plain")])
        return [b"no socket to take over here\n"]
    if path == "/look":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [("peer %s\n" % sock.getpeername()[0]).encode("ascii")]
    ws = WSConnection(ConnectionType.SERVER)
    head = ["GET %s HTTP/1.1" % path] + [
        "%s: %s" % (key[5:].replace("_", "-"), value)
        for key, value in environ.items() if key.startswith("HTTP_")]
    ws.receive_data(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
    for event in ws.events():
        if isinstance(event, Request):
            sock.sendall(ws.send(AcceptConnection()))
    if path == "/crash":
        raise ValueError("the app failed after taking the connection")
    echo(sock, ws)
    if path == "/returns":
        return []
    raise StopIteration()  # gunicorn's rule: the connection is gone


def echo(sock, ws):
    """Echo messages until the client closes."""
    while True:
        data = sock.recv(65536)
        if not data:
            return
        ws.receive_data(data)
        for event in ws.events():
            if isinstance(event, Message):
                sock.sendall(ws.send(Message(data=event.data)))
            elif isinstance(event, Ping):
                sock.sendall(ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                sock.sendall(ws.send(event.response()))
                sock.close()
                return
