"""Issue 17's own method, for bench/cpu.sh: CPU per sequential `server info` driven by one Python `websockets`
client (the issue measured so; bench/load's C# client is faster, so every server sleeps less between messages).

  /usr/bin/python3 bench/python-client.py ROUNDS 'NAME|acws|COMMAND' 'NAME|echo|COMMAND' ...

Each COMMAND is a shell command with {port}, run with `exec` so its pid is the server's. Every round starts each
target afresh, in turn: 12,000 warm-up round trips, then 3,000 timed ones; the server's CPU is the sum over its threads
of /proc/PID/task/TID/schedstat's first field (ns). Prints a Markdown table of the rounds and their medians,
then the ratio of each pair of medians."""
import asyncio
import glob
import os
import signal
import socket
import statistics
import subprocess
import sys

import websockets

WARMUP, TIMED = 12_000, 3000  # the warm-up of bench/load (Cpu.SteadyWarmup): past a fresh acws's first GC


def cpu_ns(pid):
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(path) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass  # the thread ended
    return total


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def connect(port, server):
    for _ in range(500):
        if server.poll() is not None:
            raise SystemExit(f"python-client: the server exited ({server.returncode}) before it listened")
        try:
            return await websockets.connect(f"ws://127.0.0.1:{port}/", max_size=None)
        except OSError:
            await asyncio.sleep(0.02)
    raise SystemExit(f"python-client: nothing listened on port {port} within 10 s")


async def one_round(command, sends_welcome):
    port = free_port()
    server = subprocess.Popen("exec " + command.replace("{port}", str(port)), shell=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        ws = await connect(port, server)
        if sends_welcome:
            await ws.recv()
        for _ in range(WARMUP):
            await ws.send("server info")
            await ws.recv()
        before = cpu_ns(server.pid)
        for _ in range(TIMED):
            await ws.send("server info")
            await ws.recv()
        spent = cpu_ns(server.pid) - before
        await ws.close()
        return spent / 1000 / TIMED
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass  # it had exited
        server.wait()


async def main(rounds, targets):
    found = {name: [] for name, _, _ in targets}
    for _ in range(rounds):
        for name, kind, command in targets:
            found[name].append(await one_round(command, kind == "acws"))
    print(f"| target (1 Python client × {TIMED} after {WARMUP:,} to warm up, {rounds} fresh processes each, in turn) | CPU µs per `server info` | median |")
    print("| --- | --- | ---: |")
    for name, values in found.items():
        print(f"| {name} | {', '.join(f'{v:.0f}' for v in values)} | {statistics.median(values):.0f} |")
    median = {name: statistics.median(values) for name, values in found.items()}
    names = list(found)
    print()
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            print(f"- {a} ÷ {b}: {median[a] / median[b]:.2f}×")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    asyncio.run(main(int(sys.argv[1]), [tuple(t.split("|", 2)) for t in sys.argv[2:]]))
