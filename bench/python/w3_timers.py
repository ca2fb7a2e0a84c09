#!/usr/bin/python3
"""W3 of the scoreboard (bench/WORKLOADS.md) on asyncio or uvloop: 200,000 timers.

loop.call_later at whole milliseconds 0..999 (the LCG of WORKLOADS.md, seed 12345), every
odd-indexed handle cancelled once all are created; the loop runs until the other 100,000
have fired. W3-setup: wall time to create and cancel; W3-wall: from the first create to
the last fire; W3-cpu: process CPU time over that span.

    /usr/bin/python3 w3_timers.py --loop asyncio|uvloop [--quick]

Prints "result RUNTIME METRIC VALUE" lines on stdout; exits 77 if uvloop is not installed.
"""
import argparse
import asyncio
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


def result(runtime, metric, value):
    print(f"result {runtime} {metric} {value:.9g}", flush=True)


def deadlines_ms(n):
    """The shared deadlines: x = x * 6364136223846793005 + 1442695040888963407 mod 2**64."""
    out = []
    x = 12345
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        out.append((x >> 33) % 1000)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--quick", action="store_true", help="10x fewer timers (a smoke run)")
    args = parser.parse_args()
    deadlines = deadlines_ms(20_000 if args.quick else 200_000)
    expected = (len(deadlines) + 1) // 2  # the even-indexed ones
    loop = new_loop(args.loop)
    fired = fired_cancelled = 0
    last_fire = 0.0

    def fire():
        nonlocal fired, last_fire
        fired += 1
        if fired == expected:
            last_fire = time.perf_counter()
            loop.stop()

    def fire_cancelled():  # the odd-indexed ones' callback: they are cancelled, so never called
        nonlocal fired_cancelled
        fired_cancelled += 1
        fire()

    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    call_later = loop.call_later
    timers = [call_later(ms / 1000, fire_cancelled if i & 1 else fire) for i, ms in enumerate(deadlines)]
    for timer in timers[1::2]:
        timer.cancel()
    setup = time.perf_counter() - wall0
    loop.run_forever()
    cpu = time.process_time() - cpu0
    loop.close()
    if fired != expected or fired_cancelled:
        print(f"w3_timers: {fired} timers fired ({fired_cancelled} of them cancelled), "
              f"expected {expected} and none cancelled", file=sys.stderr)
        sys.exit(1)
    result(args.loop, "W3-setup", setup)
    result(args.loop, "W3-wall", last_fire - wall0)
    result(args.loop, "W3-cpu", cpu)


if __name__ == "__main__":
    main()
