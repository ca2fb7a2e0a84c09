# What gather does with an exception (chapter 09's examples/gather_errors.cpp prints the
# same lines): the first one reaches the awaiter at once, and the other children go on
# running; with return_exceptions=True every child's outcome comes back in its slot.
# wait_for then gives up on a slow one, which cleans up before TimeoutError arrives.
import asyncio


async def worker(name, delay, fail=False):
    print(f"{name} starts")
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        print(f"{name} cancelled, cleaning up")
        raise
    if fail:
        raise RuntimeError(f"{name} failed")
    print(f"{name} done")
    return name


async def main():
    try:
        await asyncio.gather(worker("a", 0.2), worker("b", 0.1, fail=True))
    except RuntimeError as error:
        print(f"gather raised: {error}")
    await asyncio.sleep(0.2)  # meanwhile "a" finishes: nobody cancelled it

    results = await asyncio.gather(worker("c", 0.1), worker("d", 0.05, fail=True), return_exceptions=True)
    for result in results:
        print(f"slot: {result!r}" if isinstance(result, Exception) else f"slot: {result}")

    try:
        await asyncio.wait_for(worker("e", 10), timeout=0.1)
    except TimeoutError:
        print("wait_for raised TimeoutError")


asyncio.run(main())
