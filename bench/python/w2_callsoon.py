#!/usr/bin/python3
"""W2 of the scoreboard (bench/WORKLOADS.md) on asyncio or uvloop: the loop's cost per callback.

W2-flat: one callback schedules 1,000,000 no-ops with call_soon (from inside the loop) and
they all run in the next iteration; thread CPU time from the first call_soon to the last
callback. W2-flat-rss: the peak RSS growth meanwhile (VmHWM after - VmRSS before).
W2-chain: 1,000,000 callbacks, each scheduling the next (the queue one deep).

    /usr/bin/python3 w2_callsoon.py --loop asyncio|uvloop [--quick]

Prints "result RUNTIME METRIC VALUE" lines on stdout; exits 77 if uvloop is not installed.
"""
import argparse
import asyncio
import itertools
import sys
import time


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


def status_kib(field):
    """A field of /proc/self/status in KiB ("VmRSS", "VmHWM")."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def result(runtime, metric, value):
    print(f"result {runtime} {metric} {value:.9g}", flush=True)


def check(what, ran, expected):
    if ran != expected:
        print(f"w2_callsoon: {what} ran {ran} callbacks, expected {expected}", file=sys.stderr)
        sys.exit(1)


def flat(name, n):
    loop = new_loop(name)
    counter = itertools.count()  # counter.__next__: a no-op that counts, in C
    noop = counter.__next__
    span = {}

    def finish():
        span["end"] = time.thread_time()
        loop.stop()

    def schedule_all():
        span["rss_before"] = status_kib("VmRSS")
        span["start"] = time.thread_time()
        call_soon = loop.call_soon
        for _ in range(n):
            call_soon(noop)
        call_soon(finish)  # after all of them (FIFO)

    loop.call_soon(schedule_all)
    loop.run_forever()
    peak = status_kib("VmHWM")
    loop.close()
    check("W2-flat", next(counter), n)
    return span["end"] - span["start"], (peak - span["rss_before"]) / 1024


def chain(name, n):
    loop = new_loop(name)
    remaining, ran, start, end = n, 0, 0.0, 0.0

    def step():
        nonlocal remaining, ran, end
        ran += 1
        remaining -= 1
        if remaining > 0:
            loop.call_soon(step)
        else:
            end = time.thread_time()
            loop.stop()

    def begin():
        nonlocal start
        start = time.thread_time()
        step()

    loop.call_soon(begin)
    loop.run_forever()
    loop.close()
    check("W2-chain", ran, n)
    return end - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--quick", action="store_true", help="10x fewer callbacks (a smoke run)")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    seconds, rss_mib = flat(args.loop, n)
    result(args.loop, "W2-flat", n / seconds)
    result(args.loop, "W2-flat-rss", rss_mib)
    result(args.loop, "W2-chain", n / chain(args.loop, n))


if __name__ == "__main__":
    main()
