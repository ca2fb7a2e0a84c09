# The running example set right (chapter 00): the processing coroutines are awaited,
# concurrently, with a second gather. About 3 s: 2 s fetching, then 1 s processing.
import asyncio
import time


async def fetch_data(url):
    print(f"Fetching data from {url}")
    await asyncio.sleep(2)
    return f"Data from {url}"


async def process_data(data):
    print(f"Processing data: {data}")
    await asyncio.sleep(1)
    return f"Processed data: {data}"


async def main():
    urls = ["http://example.com", "http://example.org"]
    results = await asyncio.gather(*(fetch_data(url) for url in urls))
    return await asyncio.gather(*(process_data(result) for result in results))


if __name__ == "__main__":
    start = time.perf_counter()
    for line in asyncio.run(main()):
        print(line)
    print(f"took {time.perf_counter() - start:.2f} s")
