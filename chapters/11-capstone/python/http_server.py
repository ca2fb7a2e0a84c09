"""The HTTP/1.1 server of examples/http_server.cpp, in Python's asyncio: the same streams
(start_server, readuntil, readexactly, write, drain), the same refusals (400, 431, 408).
Not built; the lesson compares. Usage: python3 http_server.py [port] (0: any free port)."""
import asyncio
import sys

PAGES = {"/": b"Hello from Python's asyncio!\n", "/big": bytes(ord("a") + i % 26 for i in range(1 << 20))}
TIMEOUT = 10.0


async def respond(writer, status, reason, body, keep_alive, head_only=False):
    close = b"" if keep_alive else b"Connection: close\r\n"
    writer.write(b"HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n"
                 % (status, reason.encode(), len(body), close))
    if not head_only:
        writer.write(body)
    await writer.drain()


async def handle_connection(reader, writer):
    try:
        while True:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
            except asyncio.TimeoutError:
                if reader._buffer:  # Python has no public "buffered": the C++ reader does
                    await respond(writer, 408, "Request Timeout", b"request timeout\n", False)
                return
            except asyncio.LimitOverrunError:
                await respond(writer, 431, "Request Header Fields Too Large", b"headers too large\n", False)
                return
            except asyncio.IncompleteReadError:
                return
            lines = head[:-4].decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) != 3 or not parts[1].startswith("/") or parts[2] not in ("HTTP/1.1", "HTTP/1.0"):
                await respond(writer, 400, "Bad Request", b"bad request\n", False)
                return
            method, target, version = parts
            headers = {}
            for line in lines[1:]:
                name, colon, value = line.partition(":")
                if not colon or not name or " " in name:
                    await respond(writer, 400, "Bad Request", b"bad request\n", False)
                    return
                headers[name.lower()] = value.strip()
            connection = headers.get("connection", "")
            keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
            if "content-length" in headers:
                await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), TIMEOUT)
            if method not in ("GET", "HEAD"):
                await respond(writer, 405, "Method Not Allowed", b"only GET and HEAD\n", keep_alive)
            elif target in PAGES:
                await respond(writer, 200, "OK", PAGES[target], keep_alive, method == "HEAD")
            else:
                await respond(writer, 404, "Not Found", b"not found\n", keep_alive)
            if not keep_alive:
                return
    finally:
        writer.close()


async def main(port):
    server = await asyncio.start_server(handle_connection, "127.0.0.1", port, limit=8 * 1024)
    print("listening on port", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
