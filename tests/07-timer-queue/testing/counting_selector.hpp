// CountingSelector: a real selector S that also records every timeout it was asked to
// wait for, so that a test on the real clock can tell a loop that blocks from one that
// spins. Chapter 07.
#pragma once

#include <asyncio/base_selector.hpp>

#include <vector>

namespace testing {

template <class S>
class CountingSelector : public S {
public:
    explicit CountingSelector(std::vector<asyncio::selectors::Timeout>& waits) : waits_(waits) {}

    std::vector<asyncio::selectors::ReadyKey> select(asyncio::selectors::Timeout timeout) override {
        waits_.push_back(timeout);
        return S::select(timeout);
    }

private:
    std::vector<asyncio::selectors::Timeout>& waits_;
};

}  // namespace testing
