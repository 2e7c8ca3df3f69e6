#!/usr/bin/env python3
"""tests/servers.py - small local servers for the CLI tests that the emulator cannot play.

  servers.py tls PORTFILE CERT KEY [CLIENT_CA]
      HTTPS on 127.0.0.1:0; POST answers 200 with a revertrisk-shaped body.  With CLIENT_CA
      a client certificate signed by it is required (the handshake fails without one).
  servers.py proxy PORTFILE LOG
      A plain-HTTP forward proxy stand-in on 127.0.0.1:0: it answers every request itself
      (200, the same body) and appends its request line ("POST http://host/path HTTP/1.1",
      the absolute form only a proxy receives) and Proxy-Authorization presence to LOG.
  servers.py headers PORTFILE LOG
      A plain-HTTP target on 127.0.0.1:0: POST answers 200 with that body and appends, per
      request, its request line and every User-Agent, Content-Type and Expect line it
      carried ("UA=[revtrace/0.1.0] CT=[application/json] EXPECT=[]"), to LOG.
  servers.py two-speed PORTFILE
      POST answers 200 with that body: at once on the first connection it accepts, 300 ms
      late on every later one (two closed-loop send threads, one connection each, then see
      two latencies).
  servers.py stall-stream PORTFILE
      An EventStreams stand-in that stalls: each GET answers 200 text/event-stream with one
      wikidatawiki edit (id K + 1 after Last-Event-ID K, revision 3000000000 + K + 1), then
      keeps the connection open and silent for 60 s.

The port is written to PORTFILE once listening (write then rename, so a reader never sees
a partial file).  Both stop on SIGTERM.
"""
import http.server
import os
import ssl
import sys
import threading
import time

BODY = (b'{"model_name": "revertrisk-wikidata", "model_version": "1", "wiki_db": "wikidatawiki",'
        b' "revision_id": 1, "output": {"prediction": false,'
        b' "probabilities": {"true": 0.1, "false": 0.9}}}')


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_path = None

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        if self.two_speed:
            with Handler.lock:
                if Handler.fast_conn is None:
                    Handler.fast_conn = self.connection
            if self.connection is not Handler.fast_conn:
                time.sleep(0.3)
        if self.log_headers:
            with open(self.log_path, "a") as f:
                f.write("%s | %s\n" % (self.requestline, " ".join(
                    "%s=%s" % (tag, "".join("[%s]" % v for v in (self.headers.get_all(name) or [])))
                    for tag, name in (("UA", "User-Agent"), ("CT", "Content-Type"),
                                      ("EXPECT", "Expect")))))
        elif self.log_path:
            with open(self.log_path, "a") as f:
                auth = "with" if self.headers.get("Proxy-Authorization") else "without"
                f.write("%s | %s Proxy-Authorization\n" % (self.requestline, auth))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def do_GET(self):
        if not self.stall_stream:
            self.send_error(404)
            return
        k = int(self.headers.get("Last-Event-ID") or 0) + 1
        data = ('{"meta":{"dt":"2026-12-01T12:00:00.000Z"},"type":"edit",'
                '"wiki":"wikidatawiki","revision":{"old":1,"new":%d}}' % (3000000000 + k))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(("id: %d\ndata: %s\n\n" % (k, data)).encode())
        self.wfile.flush()
        time.sleep(60)

    stall_stream = False
    two_speed = False
    fast_conn = None
    lock = threading.Lock()
    log_headers = False

    def log_message(self, *args):
        pass


def publish(server, portfile):
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, portfile)


def main():
    mode, portfile = sys.argv[1], sys.argv[2]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if mode == "tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
        if len(sys.argv) > 5:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(sys.argv[5])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    elif mode == "proxy":
        Handler.log_path = sys.argv[3]
    elif mode == "headers":
        Handler.log_path = sys.argv[3]
        Handler.log_headers = True
    elif mode == "two-speed":
        Handler.two_speed = True
        server.daemon_threads = True
    elif mode == "stall-stream":
        Handler.stall_stream = True
        server.daemon_threads = True
    else:
        sys.exit("unknown mode " + mode)
    publish(server, portfile)
    server.serve_forever()


if __name__ == "__main__":
    main()
