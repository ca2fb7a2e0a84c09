#include <testing/catch.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/sleep.hpp>
#include <chrono>
using namespace std::chrono_literals;
namespace {
asyncio::Coro<int> child(int x) { co_await asyncio::sleep(1ms); co_return x * 2; }
asyncio::Coro<int> main_coro() {
    auto t1 = asyncio::create_task(child(1));
    auto t2 = asyncio::create_task(child(2));
    int a = co_await t1;
    int b = co_await t2;
    co_return a + b;
}
}
TEST_CASE("smoke: run a main coroutine with two tasks", "[ch08]") {
    CHECK(asyncio::run(main_coro()) == 6);
}
