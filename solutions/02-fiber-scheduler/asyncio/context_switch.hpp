// ContextSwitch: what a fiber needs from a context-switch back-end, as a C++20 concept.
// Introduced in chapter 02, which turns chapter 01's swapcontext into one back-end
// (UcontextSwitch) of two; the other (AssemblySwitch) is written by hand.
#pragma once

#include <asyncio/stack.hpp>

#include <concepts>

namespace asyncio {

// The function a new context starts in. It must never return: there is no frame below it.
using ContextEntry = void (*)(void* argument) noexcept;

// clang-format off
// region: concept
// A back-end is a type with
//   Context                              the registers of one side that is not running
//   prepare(context, stack, entry, arg)  make `context` start entry(arg) on `stack` when
//                                        it is first switched to
//   swap(save, load)                     save the running side in `save`, continue `load`;
//                                        returns when someone swaps back to `save`
// Everything else a switch needs (the exception record, the sanitizer annotations, which
// fiber is current) is the fiber's business and the same for every back-end.
template <class Switch>
concept ContextSwitch = std::default_initializable<typename Switch::Context> &&
    requires(typename Switch::Context& save, typename Switch::Context& load, FiberStack const& stack,
             ContextEntry entry, void* argument) {
        { Switch::prepare(load, stack, entry, argument) } -> std::same_as<void>;
        { Switch::swap(save, load) } noexcept -> std::same_as<void>;
        { Switch::name } -> std::convertible_to<char const*>;
    };
// endregion
// clang-format on

}  // namespace asyncio
