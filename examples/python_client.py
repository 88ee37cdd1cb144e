#!/usr/bin/env python3
"""Minimal client for the orchestrator control socket (docs/protocol.md).

Usage: python3 python_client.py SOCKET COMMAND [ARG ...] [--options JSON] [--frames N]
Prints the response as JSON; exits 0 on success, 1 on an error response,
3 when it cannot connect. For subscribe, then prints each pushed frame as
one JSON line: N of them (--frames), or until the connection ends or Ctrl-C.
"""
import json
import os
import socket
import struct
import sys


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("connection closed by the orchestrator")
        data += chunk
    return data


class Client:
    def __init__(self, path, timeout=60.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.next_id = 1

    def request(self, command, args=(), options=None):
        body = {"command": command, "args": list(args), "id": self.next_id,
                "client": {"uid": os.getuid(), "pid": os.getpid(),
                           "user": os.environ.get("USER", "")}}
        if options:
            body["options"] = options
        self.next_id += 1
        payload = json.dumps(body).encode("utf-8")
        self.sock.sendall(struct.pack(">I", len(payload)) + payload)
        return self.read_frame()

    def read_frame(self):
        (length,) = struct.unpack(">I", recv_exact(self.sock, 4))
        return json.loads(recv_exact(self.sock, length).decode("utf-8"))

    def close(self):
        self.sock.close()


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    options, frames = None, None
    if "--options" in argv:
        i = argv.index("--options")
        options = json.loads(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    if "--frames" in argv:
        i = argv.index("--frames")
        frames = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    try:
        client = Client(argv[1])
    except OSError as error:
        reason = (error.strerror or str(error)).lower()
        print(f"Cannot connect to {json.dumps(argv[1])}: {reason}", file=sys.stderr)
        return 3
    response = {}
    try:
        response = client.request(argv[2], argv[3:], options)
        print(json.dumps(response), flush=True)
        if argv[2] == "subscribe" and response["status"] == "success":
            # pushed frames: snapshot..., snapshot_end, event, log, heartbeat, overflow
            while frames is None or frames > 0:
                print(json.dumps(client.read_frame()), flush=True)
                frames = None if frames is None else frames - 1
    except (KeyboardInterrupt, OSError):
        pass
    finally:
        client.close()
    return 0 if response.get("status") == "success" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
