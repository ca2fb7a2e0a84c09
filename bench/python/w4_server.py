#!/usr/bin/python3
"""W4 of the scoreboard (bench/WORKLOADS.md) on asyncio or uvloop: the loopback echo server.

Written on streams, as the course's server is (chapter 11): asyncio.start_server runs a
task per connection that reads what is there (up to 64 KiB), writes it back and drains;
TCP_NODELAY on every connection. Binds 127.0.0.1:0, prints "port N" as its first line on
stdout, and echoes until SIGTERM or SIGINT, or for 120 s at most; then exits 0.
bench/w4_client measures it (round trips per second, and this process's CPU time).

    /usr/bin/python3 w4_server.py --loop asyncio|uvloop [--quick] [--cold]

asyncio reads with sock.recv(256 KiB). Until the first connection of a process closes,
glibc serves that buffer with mmap and unmaps it on every read, about 4x slower; after
that its dynamic mmap threshold has risen and reads use the heap (the peers' harness,
/work/shared/peers, README caveat 3). A long-running server is in that second state, so
this one starts there: it frees one 320 KiB buffer before serving. --cold skips that.
Exits 77 if uvloop is not installed.
"""
import argparse
import asyncio
import signal
import socket
import sys


def new_loop(name):
    """A fresh event loop of the kind asked for (exit 77: uvloop is missing)."""
    if name == "uvloop":
        try:
            import uvloop
        except ImportError:
            print(f"{sys.argv[0]}: uvloop is not installed (apt-get install python3-uvloop)", file=sys.stderr)
            sys.exit(77)
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


async def echo(reader, writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while data := await reader.read(64 * 1024):  # what is there, up to 64 KiB; b"": closed
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass  # the client went away mid-write: nothing to echo to
    finally:
        writer.close()


async def serve():
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    lifetime = loop.call_later(120, stop.set)
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    await stop.wait()
    lifetime.cancel()
    server.close()  # asyncio.run cancels the connections' tasks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--quick", action="store_true", help="accepted; the client sets the window")
    parser.add_argument("--cold", action="store_true", help="do not raise malloc's mmap threshold first")
    args = parser.parse_args()
    if not args.cold:
        bytearray(320 * 1024)  # mmapped and freed at once: glibc raises its mmap threshold above it
    new_loop(args.loop).close()  # exits 77 now if uvloop is missing
    # Runner (3.11): asyncio.run with a loop of our choice; it cancels what is left at the end.
    with asyncio.Runner(loop_factory=lambda: new_loop(args.loop)) as runner:
        runner.run(serve())


if __name__ == "__main__":
    main()
