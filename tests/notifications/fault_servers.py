"""Real sockets for fault tests: a server that accepts TCP and never says a word (a
hung PostgreSQL or SMTP server), and a tiny SMTP server that records what it accepts."""

from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes
from email.message import Message


class SilentServer:
    """Accepts connections on 127.0.0.1 and never answers nor closes them."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stopping:
            try:
                conn, _addr = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(conn)

    def __enter__(self) -> SilentServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping = True
        self.thread.join(2)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


class TinySMTPServer:
    """Just enough SMTP (RFC 5321) for Django's backend: every message accepted is
    kept, parsed, in `messages`."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.messages: list[Message] = []
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stopping:
            try:
                conn, _addr = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket):
        conn.settimeout(10)
        stream = conn.makefile("rb")

        def say(line: str):
            conn.sendall(line.encode() + b"\r\n")

        try:
            say("220 tiny ESMTP")
            while line := stream.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    say("250 tiny")
                elif verb == b"DATA":
                    say("354 go ahead")
                    data = b""
                    while (chunk := stream.readline()) not in (b".\r\n", b""):
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    with self.lock:
                        self.messages.append(message_from_bytes(data))
                    say("250 accepted")
                elif verb == b"QUIT":
                    say("221 bye")
                    return
                else:  # HELO, MAIL, RCPT, RSET, NOOP
                    say("250 ok")
        except OSError:
            pass
        finally:
            conn.close()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    break
            time.sleep(0.05)
        with self.lock:
            return list(self.messages)

    def __enter__(self) -> TinySMTPServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping = True
        self.thread.join(2)
        self.sock.close()
