"""A TCP proxy in front of PostgreSQL that a test can take down and bring back, as a restart would.

The tracker under test connects to the proxy's port; the test's own connections go straight to
the server. ``down()`` drops every connection through the proxy and closes its port (new
connections are refused), ``up()`` opens the port again: what the app sees of a database
restarted under it, without touching the server other tests share.
"""
import select
import socket
import threading


class DatabaseProxy:
    """Forward 127.0.0.1:``port`` to ``upstream`` (host, port) byte for byte, one thread pair per connection."""

    def __init__(self, upstream):
        self.upstream, self.port = upstream, None
        self.listener, self.pairs, self.lock = None, [], threading.Lock()
        self.accepting = threading.Event()
        self.closed = False
        self.accepted = 0

    def start(self):
        """Listen on a free port of the loopback and start forwarding."""
        self._listen(0)
        threading.Thread(target=self._accept_loop, daemon=True).start()
        return self

    def _listen(self, port):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        self.listener, self.port = listener, listener.getsockname()[1]
        self.accepting.set()

    def _accept_loop(self):
        while not self.closed:
            if not self.accepting.wait(timeout=0.1):
                continue
            listener = self.listener
            try:
                ready, _w, _x = select.select([listener], [], [], 0.1)
                if not ready:
                    continue
                client, _address = listener.accept()
            except (OSError, ValueError):
                continue  # the port was closed by down()
            self._open_pair(client)

    def _open_pair(self, client):
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        server.settimeout(None)
        with self.lock:
            if not self.accepting.is_set():
                client.close()
                server.close()
                return
            self.pairs.append((client, server))
            self.accepted += 1
        for source, target in ((client, server), (server, client)):
            threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def upstream_ports(self):
        """The local ports of the proxy's connections to the server (``pg_stat_activity.client_port``)."""
        with self.lock:
            ports = []
            for _client, server in self.pairs:
                try:
                    ports.append(server.getsockname()[1])
                except OSError:
                    pass
            return ports

    def down(self):
        """Refuse new connections and cut every open one, on both sides."""
        with self.lock:
            self.accepting.clear()
            self.listener.close()
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for sock in pair:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def up(self):
        """Accept connections again, on the same port."""
        self._listen(self.port)

    def close(self):
        self.closed = True
        if self.accepting.is_set():
            self.down()
