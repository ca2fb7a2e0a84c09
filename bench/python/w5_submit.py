#!/usr/bin/python3
"""W5 of the scoreboard (bench/WORKLOADS.md) on asyncio or uvloop: thread-safe submission.

The loop runs run_forever() in a thread of its own; a job is `async def job(x): return x + 1`,
submitted with asyncio.run_coroutine_threadsafe(job(x), loop) and waited for with
.result(). W5-p50 and W5-p99: one thread submitting one job and waiting for its result,
20,000 times after 2,000 untimed (microseconds). W5-tput: 4 threads submitting 50,000
jobs each and then waiting for all their results: jobs per second from the first
submission to the last result.

    /usr/bin/python3 w5_submit.py --loop asyncio|uvloop [--quick]

Prints "result RUNTIME METRIC VALUE" lines on stdout; exits 77 if uvloop is not installed.
"""
import argparse
import asyncio
import sys
import threading
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


def check(what, got, expected):
    if got != expected:
        print(f"w5_submit: {what}: the results add up to {got}, expected {expected}", file=sys.stderr)
        sys.exit(1)


async def job(x):
    return x + 1


def quantile(samples, p):
    """The p-th quantile (0..1), nearest rank, as bench::quantile does."""
    ordered = sorted(samples)
    return ordered[min(int(p * (len(ordered) - 1) + 0.5), len(ordered) - 1)]


def round_trips(loop, warm_up, n):
    submit = asyncio.run_coroutine_threadsafe
    total = sum(submit(job(i), loop).result() - i for i in range(warm_up))
    check("warm-up", total, warm_up)
    us = []
    total = 0
    clock = time.perf_counter
    for i in range(n):
        start = clock()
        got = submit(job(i), loop).result()
        us.append((clock() - start) * 1e6)
        total += got - i
    check("round trips", total, n)
    return us


def throughput(loop, threads, per_thread):
    spans = [None] * threads
    barrier = threading.Barrier(threads)

    def submitter(t):
        submit = asyncio.run_coroutine_threadsafe
        barrier.wait()  # all start together
        first = time.perf_counter()
        futures = [submit(job(i), loop) for i in range(per_thread)]
        total = sum(future.result() - i for i, future in enumerate(futures))
        spans[t] = (first, time.perf_counter(), total)

    workers = [threading.Thread(target=submitter, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for _, _, total in spans:
        check("throughput", total, per_thread)
    first = min(span[0] for span in spans)
    last = max(span[1] for span in spans)
    return threads * per_thread / (last - first)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--quick", action="store_true", help="10x fewer jobs (a smoke run)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    loop = new_loop(args.loop)
    started = threading.Event()
    loop.call_soon(started.set)
    runner = threading.Thread(target=loop.run_forever)
    runner.start()
    started.wait()
    try:
        us = round_trips(loop, 2_000 // scale, 20_000 // scale)
        result(args.loop, "W5-p50", quantile(us, 0.50))
        result(args.loop, "W5-p99", quantile(us, 0.99))
        result(args.loop, "W5-tput", throughput(loop, 4, 50_000 // scale))
    finally:
        loop.call_soon_threadsafe(loop.stop)
        runner.join()
        loop.close()


if __name__ == "__main__":
    main()
