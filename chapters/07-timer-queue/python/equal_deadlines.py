# equal_deadlines.py: in which order does CPython's asyncio run timers that have the
# same deadline? TimerHandle compares by its deadline only, and heapq is not stable, so
# the answer depends on how the heap happened to be shaped. Chapter 07.
#
#   python3 equal_deadlines.py
import asyncio


def main():
    loop = asyncio.new_event_loop()
    order = []
    when = loop.time() + 0.01
    # Ten timers due at the same instant, with a few others around them that shape the
    # heap, as in any real program.
    for i in range(10):
        loop.call_at(when, order.append, i)
        loop.call_at(when + (0.001 if i % 2 else -0.001), lambda: None)
    loop.call_at(when + 0.002, loop.stop)
    loop.run_forever()
    loop.close()
    print("scheduled in the order 0..9, ran in the order", order)


main()
