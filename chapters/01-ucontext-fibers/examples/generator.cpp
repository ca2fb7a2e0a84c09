// A generator built on fibers: the producer is ordinary code that calls `yield_value`
// wherever it likes, even deep inside recursion; the consumer pulls values with next().
// Chapter 01 lesson program (chapter 03 builds a generator on C++20 coroutines instead,
// where only the coroutine's own body may suspend, not the functions it calls).
#include <asyncio/fiber.hpp>

#include <fmt/core.h>

#include <functional>
#include <memory>
#include <optional>
#include <utility>

// region: generator
template <class T>
class FiberGenerator {
public:
    using Yield = std::function<void(T)>;

    // `produce` runs on the fiber; each call of the Yield it receives hands one value to
    // the consumer and suspends the producer until the consumer asks for the next one.
    explicit FiberGenerator(std::function<void(Yield const&)> produce)
        : fiber_([this, produce = std::move(produce)] {
              produce([this](T value) {
                  slot_ = std::move(value);
                  asyncio::Fiber::yield();
              });
          }) {}

    // The next value, or nothing once the producer has returned.
    std::optional<T> next() {
        if (!fiber_.done()) fiber_.resume();
        return std::exchange(slot_, std::nullopt);
    }

private:
    std::optional<T> slot_;  // declared before fiber_: the fiber is destroyed (unwound) first
    asyncio::Fiber fiber_;
};
// endregion

// region: fibonacci
// An infinite producer: the consumer decides when to stop, and destroying the generator
// unwinds the suspended producer.
void fibonacci(FiberGenerator<long>::Yield const& yield_value) {
    long current = 0, next = 1;
    for (;;) {
        yield_value(current);
        current = std::exchange(next, current + next);
    }
}
// endregion

// region: tree
struct Node {
    int value;
    std::unique_ptr<Node> left, right;
};

std::unique_ptr<Node> leaf(int value) { return std::make_unique<Node>(Node{value, nullptr, nullptr}); }
std::unique_ptr<Node> node(int value, std::unique_ptr<Node> left, std::unique_ptr<Node> right) {
    return std::make_unique<Node>(Node{value, std::move(left), std::move(right)});
}

// region: tree-walk
// A plain recursive function. It suspends the whole fiber from any depth: the stack of
// recursive calls is simply kept, untouched, until the consumer wants the next value.
void walk_in_order(Node const* tree, FiberGenerator<int>::Yield const& yield_value) {
    if (tree == nullptr) return;
    walk_in_order(tree->left.get(), yield_value);
    yield_value(tree->value);
    walk_in_order(tree->right.get(), yield_value);
}
// endregion
// endregion

int main() {
    // region: main
    {
        FiberGenerator<long> numbers(fibonacci);
        fmt::print("fibonacci:");
        for (int i = 0; i < 10; ++i) fmt::print(" {}", *numbers.next());
        fmt::print("\n");
    }  // the producer is still suspended inside its loop: destroying it unwinds the fiber

    auto const tree = node(4, node(2, leaf(1), leaf(3)), node(6, leaf(5), leaf(7)));
    FiberGenerator<int> values([&](auto const& yield_value) { walk_in_order(tree.get(), yield_value); });
    fmt::print("tree in order:");
    while (auto value = values.next()) fmt::print(" {}", *value);
    fmt::print("\n");
    // endregion
}
