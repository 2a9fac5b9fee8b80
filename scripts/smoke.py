#!/usr/bin/env python3
"""Smoke test of a published acws binary, the same on Linux, macOS and Windows (standard library only).

    python3 scripts/smoke.py dist/linux-x64/acws [EXPECTED_VERSION] [--max-glibc X.Y]
    python3 scripts/smoke.py --glibc FILE      (only step 0, for any ELF file)

0. a Linux (ELF) binary: prints the newest GLIBC_ symbol version it needs, read from its version needs
   (.gnu.version_r, what `objdump -T` shows), i.e. the oldest glibc it runs on; with --max-glibc, newer fails;
1. `acws --version` prints `acws VERSION` (and, when given, VERSION is EXPECTED_VERSION);
2. `acws --demo --port 0` prints `acws listening on ws://127.0.0.1:PORT/` first;
3. a WebSocket client gets the welcome frame, sends `server info` and gets the demo server's name,
   then sends `shutdown now`, and acws exits with code 0.
Exits 0 and prints one `smoke: ok …` line, or exits 1 with the reason.
"""
import base64
import json
import os
import queue
import socket
import struct
import subprocess
import sys
import threading

TIMEOUT = 20


def fail(msg, proc=None):
    if proc is not None and proc.poll() is None:
        proc.kill()
    print(f"smoke: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def glibc_needed(path):
    """The newest GLIBC_x.y version an ELF file needs (from SHT_GNU_verneed), or None when it needs none or is not ELF."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        return None
    wide, order = data[4] == 2, "<" if data[5] == 1 else ">"
    if wide:
        shoff, = struct.unpack_from(order + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(order + "HH", data, 0x3A)
    else:
        shoff, = struct.unpack_from(order + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(order + "HH", data, 0x2E)
    sections = []
    for i in range(shnum):
        at = shoff + i * shentsize
        if wide:
            _, kind, _, _, offset, size, link = struct.unpack_from(order + "IIQQQQI", data, at)
        else:
            _, kind, _, _, offset, size, link = struct.unpack_from(order + "IIIIIII", data, at)
        sections.append((kind, offset, size, link))
    versions = set()
    for kind, offset, size, link in sections:
        if kind != 0x6FFFFFFE:  # SHT_GNU_verneed
            continue
        strings = sections[link][1]
        need = offset
        while True:
            _, count, _, aux, following = struct.unpack_from(order + "HHIII", data, need)
            entry = need + aux
            for _ in range(count):
                _, _, _, name, next_aux = struct.unpack_from(order + "IHHII", data, entry)
                text = data[strings + name:data.index(b"\0", strings + name)].decode()
                if text.startswith("GLIBC_") and text[6:7].isdigit():
                    versions.add(tuple(int(x) for x in text[6:].split(".")))
                entry += next_aux
            if not following:
                break
            need += following
    return ".".join(map(str, max(versions))) if versions else None


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    return data


def ws_connect(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        head += recv_exact(sock, 1)
    status = head.split(b"\r\n", 1)[0].decode(errors="replace")
    if " 101 " not in status + " ":
        raise ConnectionError(f"no WebSocket upgrade: {status}")
    return sock


def ws_send(sock, text):
    payload = text.encode()
    mask = os.urandom(4)
    n = len(payload)
    header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n))
    sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def ws_recv(sock):
    """Returns the next text message as JSON (server frames are unmasked; fragments are joined)."""
    message = b""
    while True:
        b0, b1 = recv_exact(sock, 2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", recv_exact(sock, 2))[0]
        elif n == 127:
            n = struct.unpack(">Q", recv_exact(sock, 8))[0]
        payload = recv_exact(sock, n)
        opcode = b0 & 0x0F
        if opcode == 8:
            raise ConnectionError(f"closed by acws: {payload[2:].decode(errors='replace')}")
        if opcode in (9, 10):
            continue  # ping/pong
        message += payload
        if b0 & 0x80:
            return json.loads(message.decode())


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--glibc":
        print(f"glibc: {args[1]} needs GLIBC_{glibc_needed(args[1]) or '(none)'}")
        return
    max_glibc = None
    if "--max-glibc" in args:
        at = args.index("--max-glibc")
        if at + 1 >= len(args):
            print(__doc__, file=sys.stderr)
            sys.exit(2)
        max_glibc = args[at + 1]
        del args[at:at + 2]
    if len(args) not in (1, 2):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    exe = os.path.abspath(args[0])
    expected = args[1] if len(args) == 2 else None

    glibc = glibc_needed(exe)
    if glibc is not None:
        print(f"smoke: glibc: the binary needs GLIBC_{glibc} or newer (its newest GLIBC_ symbol version)")
        if max_glibc is not None and tuple(map(int, glibc.split("."))) > tuple(map(int, max_glibc.split("."))):
            fail(f"the binary needs GLIBC_{glibc}, newer than the {max_glibc} it must run on")

    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=TIMEOUT)
    line = out.stdout.strip()
    if out.returncode != 0 or not line.startswith("acws "):
        fail(f"--version printed {line!r} (exit {out.returncode})")
    version = line[5:]
    if expected is not None and version != expected:
        fail(f"--version printed {version}, expected {expected}")

    proc = subprocess.Popen([exe, "--demo", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, text=True)
    lines = queue.Queue()

    def pump():  # keep reading stdout (one log line per command) so acws never blocks on a full pipe
        for text in proc.stdout:
            lines.put(text.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        first = lines.get(timeout=TIMEOUT)
    except queue.Empty:
        fail("--demo printed nothing", proc)
    prefix = "acws listening on ws://127.0.0.1:"
    if not first or not first.startswith(prefix):
        fail(f"--demo first line was {first!r}", proc)
    port = int(first[len(prefix):].split("/")[0])

    try:
        sock = ws_connect(port)
        welcome = ws_recv(sock)
        if welcome.get("data", {}).get("version") != version:
            fail(f"welcome frame {welcome}", proc)
        ws_send(sock, "server info")
        info = ws_recv(sock)
        name = info.get("data", {}).get("server", {}).get("name")
        if not name:
            fail(f"server info replied {info}", proc)
        ws_send(sock, "shutdown now")
        ws_recv(sock)
    except (OSError, ValueError) as e:
        fail(f"WebSocket: {e}", proc)
    try:
        code = proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        fail("acws did not exit after 'shutdown now'", proc)
    if code != 0:
        fail(f"acws exited with code {code} after 'shutdown now'")
    print(f"smoke: ok: acws {version}, --demo on port {port} answered 'server info' ({name}), clean shutdown")


if __name__ == "__main__":
    main()
