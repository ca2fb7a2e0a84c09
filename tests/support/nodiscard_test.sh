#!/usr/bin/env bash
# CTest test (CMakeLists.txt, "course: a coroutine called as a statement ..."): Coro is [[nodiscard]], so a coroutine called as
# a statement, never awaited, is a compiler warning (an error under -Werror=unused-result).
# The same file with the call awaited must compile cleanly, so a failure for any other
# reason (a wrong include path) cannot pass this test.
# Usage: nodiscard_test.sh CXX INCLUDE_DIRS...
set -euo pipefail
cxx=$1
shift
includes=()
for dir in "$@"; do includes+=(-I "$dir"); done
fixture="$(dirname "$0")/nodiscard-fixture/forgotten.cpp"
"$cxx" -std=c++20 -fsyntax-only -Werror=unused-result "${includes[@]}" "$fixture" ||
  { echo "FAILED: the awaited form does not compile"; exit 1; }
if out=$("$cxx" -std=c++20 -fsyntax-only -Werror=unused-result -DFORGET "${includes[@]}" "$fixture" 2>&1); then
  echo "FAILED: a Coro called as a statement compiled without a nodiscard diagnostic"
  exit 1
fi
grep -q "nodiscard" <<<"$out" || { echo "FAILED: it failed, but not for nodiscard:"; echo "$out"; exit 1; }
echo "the forgotten coroutine is diagnosed: $(grep -m1 nodiscard <<<"$out")"
