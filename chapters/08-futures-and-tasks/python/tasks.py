# The Python twin of examples/tasks.cpp: run it with `python3 tasks.py`.
import asyncio


async def fetch_data(url, delay):
    print(f"Fetching {url}...")
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError as cancelled:
        print(f"Cancelled {url}: {cancelled}")
        raise
    print(f"Done {url}")
    return f"data from {url}"


async def main():
    first = asyncio.create_task(fetch_data("https://example.com/1", 0.2))
    second = asyncio.create_task(fetch_data("https://example.com/2", 0.1))
    slow = asyncio.create_task(fetch_data("https://example.com/slow", 3600), name="slow")
    print(await first)
    print(await second)
    slow.cancel("we waited long enough")
    try:
        await slow
    except asyncio.CancelledError:
        print(f"{slow.get_name()} cancelled: {'yes' if slow.cancelled() else 'no'}")
    return 0


asyncio.run(main())
