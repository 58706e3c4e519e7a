#!/usr/bin/env python3
"""A recording stand-in for api.anthropic.com and friends, for the egress proxy's tests.

    python3 upstream.py --dir DIR [--http PORT] [--https PORT --cert F --key F] [--ready-file F]

Listens on 127.0.0.1 only (port 0: any free port) and records every byte it receives, so a
test can assert what reached the "internet" through airlock's proxy, byte for byte:

- DIR/conn-<n>.raw: every byte received on accepted connection n (1, 2, … over both
  listeners), appended as it arrives, after TLS decryption on the HTTPS listener. The file is
  created when the connection is accepted, so "no conn-*.raw" means nobody even connected.
- DIR/log.jsonl: one line per parsed request, written once its body has been read and before
  the response goes out (a client that got its answer can read its line):
  {"conn", "tls", "sni", "method", "path" (the request-target as received), "version",
   "headers": {lower-case name: value; repeated names joined with ", "},
   "header_list": [[name, value], …] (as received, in order), "body_len", "body_sha256",
   "chunked"}
- DIR/events.jsonl: connection events: open (listener, peer), tls (sni, alpn, version,
  resumed: whether the client resumed an earlier TLS session), tls_error,
  bad_request (what was malformed), close (bytes received).
- --ready-file: {"http": P1, "https": P2, "pid": PID} (null for a listener not asked for),
  written atomically once every listener is listening.

HTTP/1.1 with keep-alive; request bodies by Content-Length or chunked (decoded for the hash,
recorded raw), streamed through SHA-256 without being held in memory; `Expect: 100-continue`
answered. Malformed requests (bad request line, bad or conflicting Content-Length, a
Transfer-Encoding that does not end in chunked, oversized lines or headers) get 400 and the
connection is closed; both Content-Length and Transfer-Encoding: chunked is decoded as chunked
(RFC 9112 §6.3) and the connection closed after the response.

Responses: 200 with JSON {"ok": true, "conn", "method", "path", "body_sha256", "body_len"}
and Content-Length, except:
  /redirect?to=URL   302 with Location: URL
  /chunked[?n=K]     a chunked response of K (default 3) chunks "chunk <i>\n"
  /big?n=BYTES       BYTES bytes (byte i is PATTERN[i % 64]); X-Body-Sha256 carries their hash
  /slow[?parts=K&delay=S]  the JSON body in K (default 4) pieces, S (default 0.2) seconds apart
  /status/NNN        status NNN (200–599) with the JSON body (none for 204 and 304)
  /close             the JSON body with Connection: close, then the connection is closed
  /hangup            the JSON body with Connection: keep-alive, then the connection is closed
                     anyway (a server whose idle timeout struck: the client must not reuse it)
HEAD gets the headers only. One thread per connection; stops on SIGTERM or SIGINT.
Python 3 standard library only.
"""
import argparse
import hashlib
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse

PATTERN = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"  # 64 bytes
MAX_LINE = 64 * 1024  # request line, header line, chunk-size line
MAX_HEADERS = 256
MAX_BIG = 4 * 1024 * 1024 * 1024
RECV = 256 * 1024
IDLE_TIMEOUT = 60.0
REASONS = {200: "OK", 204: "No Content", 302: "Found", 304: "Not Modified", 400: "Bad Request",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable"}


class BadRequest(Exception):
    """The client sent something this server will not parse; answered with 400."""


class Closed(Exception):
    """The peer went away (EOF, reset, TLS close) before a complete request."""


class Recorder:
    """The shared output files. Thread-safe."""

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self._lock = threading.Lock()
        # A restarted server goes on numbering after what is there, never appending to it.
        taken = [int(f[5:-4]) for f in os.listdir(directory)
                 if f.startswith("conn-") and f.endswith(".raw") and f[5:-4].isdigit()]
        self._next = max(taken, default=0)

    def new_conn(self):
        with self._lock:
            self._next += 1
            n = self._next
        raw = open(os.path.join(self.dir, "conn-%d.raw" % n), "ab", buffering=0)
        return n, raw

    def _append(self, name, obj):
        line = (json.dumps(obj, sort_keys=True) + "\n").encode()
        with self._lock:
            with open(os.path.join(self.dir, name), "ab") as f:
                f.write(line)

    def request(self, obj):
        self._append("log.jsonl", obj)

    def event(self, obj):
        self._append("events.jsonl", obj)


class Conn:
    """One accepted connection: a buffered reader that records every byte it receives."""

    def __init__(self, sock, raw):
        self.sock = sock
        self.raw = raw
        self.buf = bytearray()
        self.received = 0

    def fill(self):
        try:
            data = self.sock.recv(RECV)
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError, ConnectionError):
            data = b""
        if not data:
            return False
        self.raw.write(data)
        self.received += len(data)
        self.buf += data
        return True

    def readline(self):
        """A line without its CRLF (or bare LF). Closed on EOF before any byte of it."""
        start = 0
        while True:
            i = self.buf.find(b"\n", start, MAX_LINE + 2)
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 1]
                if line.endswith(b"\r"):
                    line = line[:-1]
                return line
            if len(self.buf) > MAX_LINE:
                raise BadRequest("line longer than %d bytes" % MAX_LINE)
            start = len(self.buf)
            if not self.fill():
                if self.buf:
                    raise BadRequest("connection closed in the middle of a line")
                raise Closed()

    def read_into(self, n, sink):
        """Passes exactly n bytes to sink(bytes); BadRequest if the peer closes first."""
        while n > 0:
            if not self.buf and not self.fill():
                raise BadRequest("connection closed with %d body bytes still to come" % n)
            take = min(n, len(self.buf))
            sink(bytes(self.buf[:take]))
            del self.buf[:take]
            n -= take


def parse_headers(conn):
    items = []
    while True:
        line = conn.readline()
        if line == b"":
            return items
        if len(items) >= MAX_HEADERS:
            raise BadRequest("more than %d header fields" % MAX_HEADERS)
        if line[:1] in (b" ", b"\t"):
            raise BadRequest("obsolete header line folding")
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip() or b" " in name:
            raise BadRequest("malformed header line %r" % line[:80])
        items.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))


def body_framing(headers):
    """(chunked, content_length) from the header list; BadRequest when it cannot be framed."""
    te = [v for k, v in headers if k.lower() == "transfer-encoding"]
    cl = [v for k, v in headers if k.lower() == "content-length"]
    chunked = False
    if te:
        codings = [c.strip().lower() for v in te for c in v.split(",") if c.strip()]
        if not codings or codings[-1] != "chunked":
            raise BadRequest("Transfer-Encoding %r does not end in chunked" % ", ".join(te))
        chunked = True
    length = 0
    if cl:
        values = {c.strip() for v in cl for c in v.split(",")}
        if len(values) != 1:
            raise BadRequest("conflicting Content-Length values %r" % sorted(values))
        value = values.pop()
        if not value.isdigit() or len(value) > 18:
            raise BadRequest("bad Content-Length %r" % value)
        length = int(value)
    return chunked, length


def read_chunked(conn, sink):
    while True:
        line = conn.readline()
        size = line.split(b";", 1)[0].strip()
        try:
            if not size or len(size) > 16:
                raise ValueError
            n = int(size, 16)
        except ValueError:
            raise BadRequest("bad chunk size line %r" % line[:80])
        if n == 0:
            break
        conn.read_into(n, sink)
        if conn.readline() != b"":
            raise BadRequest("chunk data not followed by CRLF")
    parse_headers(conn)  # trailers


def response_head(status, headers, keep_alive):
    lines = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status"))]
    lines += ["%s: %s" % kv for kv in headers]
    lines.append("Server: airlock-test-upstream")
    lines.append("Connection: %s" % ("keep-alive" if keep_alive else "close"))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def big_body(n):
    block = PATTERN * (RECV // len(PATTERN))
    while n > 0:
        piece = block[:min(n, len(block))]
        n -= len(piece)
        yield piece


def number(query, name, default, kind=int):
    try:
        return kind(query.get(name, [default])[0])
    except ValueError:
        raise BadRequest("query parameter %s is not a number" % name)


def respond(sock, conn_no, method, target, body_len, digest, keep_alive):
    """Sends the response for one request; returns False if the connection must close."""
    split = urllib.parse.urlsplit(target)
    path = split.path or target
    query = urllib.parse.parse_qs(split.query)
    head_only = method == "HEAD"
    status = 200
    extra = []
    payload = {"ok": True, "conn": conn_no, "method": method, "path": target,
               "body_len": body_len, "body_sha256": digest}

    def send(data):
        if not head_only:
            sock.sendall(data)

    if path == "/close":
        keep_alive = False
    elif path == "/hangup":
        body = json.dumps(payload).encode()
        sock.sendall(response_head(200, [("Content-Type", "application/json"),
                                         ("Content-Length", str(len(body)))], True))
        send(body)
        return False
    elif path == "/redirect":
        status = 302
        extra.append(("Location", query.get("to", ["/"])[0]))
    elif path.startswith("/status/"):
        code = path[len("/status/"):]
        if not (code.isdigit() and 200 <= int(code) <= 599):
            status, payload = 400, {"ok": False, "error": "status must be 200-599"}
        else:
            status = int(code)
    elif path == "/chunked":
        k = min(1000, number(query, "n", "3"))
        sock.sendall(response_head(200, [("Content-Type", "text/plain"),
                                         ("Transfer-Encoding", "chunked")], keep_alive))
        if not head_only:
            for i in range(1, k + 1):
                piece = b"chunk %d\n" % i
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            sock.sendall(b"0\r\n\r\n")
        return keep_alive
    elif path == "/big":
        n = number(query, "n", "0")
        if n < 0 or n > MAX_BIG:
            status, payload = 400, {"ok": False, "error": "n must be 0-%d" % MAX_BIG}
        else:
            h = hashlib.sha256()
            for piece in big_body(n):
                h.update(piece)
            sock.sendall(response_head(200, [("Content-Type", "application/octet-stream"),
                                             ("Content-Length", str(n)),
                                             ("X-Body-Sha256", h.hexdigest())], keep_alive))
            for piece in big_body(n) if not head_only else ():
                sock.sendall(piece)
            return keep_alive
    elif path == "/slow":
        parts = min(100, max(1, number(query, "parts", "4")))
        delay = min(5.0, max(0.0, number(query, "delay", "0.2", float)))
        body = json.dumps(payload).encode()
        sock.sendall(response_head(200, [("Content-Type", "application/json"),
                                         ("Content-Length", str(len(body)))], keep_alive))
        step = max(1, -(-len(body) // parts))
        for i in range(0, len(body), step):
            time.sleep(delay)
            send(body[i:i + step])
        return keep_alive

    if status in (204, 304):
        sock.sendall(response_head(status, extra, keep_alive))
        return keep_alive
    body = json.dumps(payload).encode()
    sock.sendall(response_head(status, extra + [("Content-Type", "application/json"),
                                                ("Content-Length", str(len(body)))], keep_alive))
    send(body)
    return keep_alive


def serve_requests(rec, conn_no, sock, conn, tls, sni):
    while True:
        try:
            line = conn.readline()
        except Closed:
            return
        if line == b"":
            continue  # RFC 9112 §2.2: ignore empty lines before a request line
        parts = line.split(b" ")
        if len(parts) != 3 or not parts[0] or not parts[1] or not parts[2].startswith(b"HTTP/1."):
            raise BadRequest("malformed request line %r" % line[:80])
        method, target, version = (p.decode("latin-1") for p in parts)
        headers = parse_headers(conn)
        chunked, length = body_framing(headers)
        lower = {}
        for k, v in headers:
            k = k.lower()
            lower[k] = lower[k] + ", " + v if k in lower else v
        tokens = {t.strip().lower() for t in lower.get("connection", "").split(",")}
        keep_alive = ("keep-alive" in tokens) if version == "HTTP/1.0" else ("close" not in tokens)
        if chunked and "content-length" in lower:
            keep_alive = False  # framing was ambiguous: do not read anything after this body
        if lower.get("expect", "").lower() == "100-continue" and (chunked or length):
            sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        h = hashlib.sha256()
        count = [0]

        def sink(data):
            h.update(data)
            count[0] += len(data)

        if chunked:
            read_chunked(conn, sink)
        else:
            conn.read_into(length, sink)
        digest = h.hexdigest()
        rec.request({"conn": conn_no, "tls": tls, "sni": sni, "method": method, "path": target,
                     "version": version, "headers": lower, "header_list": headers,
                     "body_len": count[0], "body_sha256": digest, "chunked": chunked})
        if method == "CONNECT":
            sock.sendall(response_head(405, [("Content-Length", "0")], False))
            return
        if not respond(sock, conn_no, method, target, count[0], digest, keep_alive):
            return


def handle(rec, listener, sock, peer, tls_ctx):
    conn_no, raw = rec.new_conn()
    rec.event({"conn": conn_no, "event": "open", "listener": listener, "peer": list(peer[:2])})
    conn = None
    try:
        sock.settimeout(IDLE_TIMEOUT)
        sni = None
        if tls_ctx is not None:
            sock = tls_ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
            try:
                sock.do_handshake()
            except (ssl.SSLError, OSError) as e:
                rec.event({"conn": conn_no, "event": "tls_error", "error": str(e)})
                return
            sni = getattr(sock, "airlock_sni", None)
            rec.event({"conn": conn_no, "event": "tls", "sni": sni,
                       "alpn": sock.selected_alpn_protocol(), "version": sock.version(),
                       "resumed": sock.session_reused})
        conn = Conn(sock, raw)
        try:
            serve_requests(rec, conn_no, sock, conn, tls_ctx is not None, sni)
        except BadRequest as e:
            rec.event({"conn": conn_no, "event": "bad_request", "error": str(e)})
            body = json.dumps({"ok": False, "error": str(e)}).encode()
            sock.sendall(response_head(400, [("Content-Type", "application/json"),
                                             ("Content-Length", str(len(body)))], False) + body)
    except (OSError, ssl.SSLError) as e:  # reset, broken pipe, timeout: the client hung up
        rec.event({"conn": conn_no, "event": "error", "error": str(e)})
    except Exception as e:  # a bug here must not look like a clean close
        rec.event({"conn": conn_no, "event": "internal_error", "error": repr(e)})
    finally:
        rec.event({"conn": conn_no, "event": "close", "bytes": conn.received if conn else 0})
        raw.close()
        try:
            sock.close()
        except OSError:
            pass


def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    return s


def accept_loop(rec, name, lsock, tls_ctx):
    while True:
        try:
            sock, peer = lsock.accept()
        except OSError:
            return  # the listening socket was closed: shutting down
        threading.Thread(target=handle, args=(rec, name, sock, peer, tls_ctx), daemon=True).start()


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])

    def on_sni(sslsock, server_name, _ctx):
        sslsock.airlock_sni = server_name

    ctx.sni_callback = on_sni
    return ctx


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True, help="where conn-<n>.raw, log.jsonl, events.jsonl go")
    ap.add_argument("--http", type=int, help="plain HTTP port on 127.0.0.1 (0: any free port)")
    ap.add_argument("--https", type=int, help="HTTPS port on 127.0.0.1 (0: any free port)")
    ap.add_argument("--cert", help="server certificate (PEM) for --https")
    ap.add_argument("--key", help="its private key (PEM)")
    ap.add_argument("--ready-file", help="written with the bound ports once listening")
    args = ap.parse_args()
    if args.http is None and args.https is None:
        ap.error("give --http PORT, --https PORT or both")
    if args.https is not None and not (args.cert and args.key):
        ap.error("--https needs --cert and --key")
    for p in (args.http, args.https):
        if p is not None and not 0 <= p <= 65535:
            ap.error("port %d is outside 0-65535" % p)

    rec = Recorder(args.dir)
    tls_ctx = tls_context(args.cert, args.key) if args.https is not None else None
    listeners = []
    ready = {"http": None, "https": None, "pid": os.getpid()}
    for name, port, ctx in (("http", args.http, None), ("https", args.https, tls_ctx)):
        if port is None:
            continue
        s = listen(port)
        ready[name] = s.getsockname()[1]
        listeners.append(s)
        threading.Thread(target=accept_loop, args=(rec, name, s, ctx), daemon=True).start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(ready, f)
        os.replace(tmp, args.ready_file)
    print("upstream: listening %s, recording to %s" % (json.dumps(ready), args.dir), flush=True)
    while not stop.wait(0.5):
        pass
    for s in listeners:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
