// ForcedUnwind: what a Fiber's destructor throws into a suspended fiber, at its yield(),
// so that the fiber's stack unwinds and the destructors of the objects on it run.
// Introduced in chapter 01.
#pragma once

namespace asyncio {

// Deliberately not derived from std::exception, so `catch (std::exception const&)` lets
// it pass. Only `catch (...)` can catch it, and such a handler inside a fiber must end
// with `throw;`. Python's generators have the same rule: generator.close() raises
// GeneratorExit (a BaseException, not an Exception) at the paused yield, and a generator
// that catches it and yields again is an error ("generator ignored GeneratorExit").
struct ForcedUnwind {};

}  // namespace asyncio
