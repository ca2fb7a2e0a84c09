// callback_alloc.cpp: why a done-callback costs a heap allocation. std::function keeps a
// small callable in its own buffer, but libstdc++ (g++ and clang on Debian) does so only
// for trivially copyable ones: a lambda that captures a std::shared_ptr, as every
// callback that keeps a task or a future alive does, goes to the heap; one that captures
// two raw pointers does not. Chapter 09's measurements cite it.
// course-bench:
#include <fmt/core.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <new>

namespace {
int g_allocations = 0;
}

void* operator new(std::size_t size) {
    ++g_allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

template <class F>
int allocations_of(F make) {
    int const before = g_allocations;
    {
        std::function<void()> callback = make();
        callback();
    }
    return g_allocations - before;
}

int main() {
    auto state = std::make_shared<int>(0);
    int* raw = state.get();
    fmt::print("sizeof(std::function<void()>) = {} B\n", sizeof(std::function<void()>));
    fmt::print("a lambda capturing a shared_ptr (16 B):  {} allocation\n",
               allocations_of([&] { return [state] { ++*state; }; }));
    fmt::print("a lambda capturing two pointers (16 B): {} allocations\n",
               allocations_of([&] { return [raw, also = raw] { ++*raw, (void)also; }; }));
}
