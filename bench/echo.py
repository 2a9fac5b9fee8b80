"""The peer: a Python `websockets` echo server (Debian's python3-websockets), the original tool's stack.
Run with the system python: /usr/bin/python3 bench/echo.py --port N"""
import asyncio
import sys

import websockets


async def echo(ws, _path=None):
    async for message in ws:
        await ws.send(message)


async def main(port):
    async with websockets.serve(echo, "127.0.0.1", port, max_queue=None):
        print(f"python-websockets {websockets.__version__} listening on ws://127.0.0.1:{port}/", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--port":
        sys.exit("usage: echo.py --port N")
    asyncio.run(main(int(sys.argv[2])))
