// The running example's bug in its simplest form: a coroutine called as a statement.
// With FORGET defined it is called and its Coro dropped; without, it is awaited.
#include <asyncio/coro.hpp>

asyncio::Coro<int> process_data(int raw) { co_return raw * 10; }

asyncio::Coro<int> caller() {
#ifdef FORGET
    process_data(1);
    co_return 0;
#else
    co_return co_await process_data(1);
#endif
}

int main() {}
