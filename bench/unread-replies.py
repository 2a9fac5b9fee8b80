# A WebSocket client (raw, standard library only) that sends 1,000 `server info` and never reads a reply.
import base64, os, socket, sys, time

port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port))
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
          f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n".encode())
s.recv(4096)
payload, mask = b"server info", os.urandom(4)
frame = bytes([0x81, 0x80 | len(payload)]) + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
try:
    for _ in range(1000):
        s.sendall(frame)
except OSError:
    pass  # dropped by acws
time.sleep(1)
