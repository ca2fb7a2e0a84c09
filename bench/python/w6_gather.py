#!/usr/bin/python3
"""W6 of the scoreboard (bench/WORKLOADS.md) on asyncio or uvloop: a gather of 100,000 tasks.

asyncio.create_task(child(i)) 100,000 times, each child awaiting asyncio.sleep(0) once,
then one asyncio.gather of them all. W6-gather: process CPU time from the first
create_task to the gather's return. W6-bytes-per-task: the peak RSS at the end less the
RSS before the first create_task, per task.

    /usr/bin/python3 w6_gather.py --loop asyncio|uvloop [--quick]

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


def status_kib(field):
    """A field of /proc/self/status in KiB ("VmRSS", "VmHWM")."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def result(runtime, metric, value):
    print(f"result {runtime} {metric} {value:.9g}", flush=True)


async def child(i):
    await asyncio.sleep(0)  # yields to the loop once
    return i


async def gather_all(n):
    rss_before = status_kib("VmRSS")
    start = time.process_time()
    tasks = [asyncio.create_task(child(i)) for i in range(n)]
    results = await asyncio.gather(*tasks)
    return time.process_time() - start, rss_before, results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--quick", action="store_true", help="10x fewer tasks (a smoke run)")
    args = parser.parse_args()
    n = 10_000 if args.quick else 100_000
    new_loop(args.loop).close()  # exits 77 now if uvloop is missing
    with asyncio.Runner(loop_factory=lambda: new_loop(args.loop)) as runner:
        cpu, rss_before, results = runner.run(gather_all(n))
    peak = status_kib("VmHWM")
    if results != list(range(n)):
        print(f"w6_gather: {len(results)} results, expected 0..{n - 1} in order", file=sys.stderr)
        sys.exit(1)
    result(args.loop, "W6-gather", cpu)
    result(args.loop, "W6-bytes-per-task", (peak - rss_before) * 1024 / n)


if __name__ == "__main__":
    main()
