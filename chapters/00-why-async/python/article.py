# The running example as the article wrote it (chapter 00), with one change: the last
# line prints what main() returned. Run it: it finishes in
# about 2 s, never prints "Processing data", and Python warns that the coroutine
# 'process_data' was never awaited.
import asyncio


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
    tasks = [fetch_data(url) for url in urls]
    results = await asyncio.gather(*tasks)
    processed_results = [process_data(result) for result in results]  # never awaited!
    return processed_results


if __name__ == "__main__":
    print(asyncio.run(main()))
