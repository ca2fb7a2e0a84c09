#!/usr/bin/env bash
# The course on Linux/AArch64 (arm64: Apple silicon in a Linux VM or container, Raspberry
# Pi, Graviton), from an x86-64 machine: builds chapters' reference solutions, tests and
# lesson programs with Debian's cross compiler and runs the tests under qemu-user. The
# tests are those of CMake's build, compiled the same way (the chapter overlay, newest
# chapter first); Catch2 and fmt are the host's headers (Catch2 2.x is header-only, fmt
# is used header-only), so no arm64 packages are needed.
#
# Usage: tools/arm64_check.sh [--all] [NN...]
#   NN...: each chapter's own tests on its reference build (default: 00 01 02, chapter 02
#          being the one whose assembly switch has an AArch64 version)
#   --all: the tests of chapters 00..NN on chapter NN's build (as ./course test runs the
#          last chapter's -all build)
# Needs: apt-get install g++-aarch64-linux-gnu qemu-user-static catch2 libfmt-dev
# Writes build/arm64/chNN/ (tests, lesson programs, test.log). Exit 0 if every test passed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cxx=${ARM64_CXX:-aarch64-linux-gnu-g++}
qemu=${ARM64_QEMU:-qemu-aarch64-static}
sysroot=${ARM64_SYSROOT:-/usr/aarch64-linux-gnu}
jobs=$(nproc 2>/dev/null || echo 2)
for tool in "$cxx" "$qemu"; do
  command -v "$tool" >/dev/null || { echo "arm64_check: no $tool (apt-get install g++-aarch64-linux-gnu qemu-user-static)" >&2; exit 2; }
done
qemu=$(command -v "$qemu")
# Catch2 and fmt: the host's headers only (through links, so that no other x86-64 header
# can shadow the cross compiler's own).
headers="$root/build/arm64/include"
mkdir -p "$headers"
for lib in catch2 fmt; do
  for prefix in /usr/include /usr/local/include; do
    [[ -d $prefix/$lib ]] && { ln -sfn "$prefix/$lib" "$headers/$lib"; break; }
  done
done
[[ -f $headers/catch2/catch.hpp && -f $headers/fmt/format-inl.h ]] ||
  { echo "arm64_check: needs Catch2 2.x (catch2/catch.hpp) and fmt's headers (apt-get install catch2 libfmt-dev)" >&2; exit 2; }

all_tests=no
[[ ${1:-} != --all ]] || { all_tests=yes; shift; }
chapters=("$@")
[[ ${#chapters[@]} -gt 0 ]] || chapters=(00 01 02)
all=$(cd "$root/solutions" && ls -d [0-9][0-9]-* | sort)
# The course's flags (CMakeLists.txt, with its AArch64 guard size) and build type
# (RelWithDebInfo); fmt header-only.
flags=(-std=c++20 -O2 -g -DNDEBUG -Wall -Wextra -Wpedantic -fstack-clash-protection
       --param=stack-clash-protection-guard-size=12 -pthread -DFMT_HEADER_ONLY -isystem "$headers")

failed=0
# Catch2's main, compiled once for every chapter (it depends on no chapter).
catch_main="$root/build/arm64/catch_main.o"
if [[ ! -f $catch_main || $catch_main -ot $root/tests/support/catch_main.cpp ]]; then
  "$cxx" "${flags[@]}" -I "$root/tests/support" -c "$root/tests/support/catch_main.cpp" -o "$catch_main.tmp"
  mv "$catch_main.tmp" "$catch_main"
fi
for nn in "${chapters[@]}"; do
  nn=$(printf '%02d' "$((10#${nn#ch}))")
  ch=$(grep "^$nn-" <<<"$all" || true)
  [[ -n $ch ]] || { echo "arm64_check: no chapter $nn" >&2; exit 2; }
  out="$root/build/arm64/ch$nn"
  [[ $all_tests == no ]] || out="$out-all"
  mkdir -p "$out/obj"
  # The overlay, newest first: include folders, and per relative path the newest .cpp.
  lib_includes=() test_includes=() sources=() seen=" " tested=("$ch")
  [[ $all_tests == no ]] || mapfile -t tested < <(awk -v nn="$nn" 'substr($0, 1, 2) <= nn' <<<"$all")
  for c in $(awk -v nn="$nn" 'substr($0, 1, 2) <= nn' <<<"$all" | sort -r); do
    lib_includes+=(-I "$root/solutions/$c")
    test_includes+=(-I "$root/tests/$c")
    for f in "$root/solutions/$c"/asyncio/*.cpp; do
      [[ -f $f ]] || continue
      rel=${f#"$root/solutions/$c/"}
      [[ $seen == *" $rel "* ]] && continue
      seen="$seen$rel "
      sources+=("$f")
    done
  done
  test_files=() examples=()
  for c in "${tested[@]}"; do
    for f in "$root/tests/$c"/*.cpp; do [[ -f $f ]] && test_files+=("$f"); done
    for f in "$root/chapters/$c"/examples/*.cpp; do [[ -f $f ]] && examples+=("$f"); done
  done
  echo "=== chapter $ch for AArch64: ${#sources[@]} library sources, the tests of chapters ${tested[*]%%-*} (${#test_files[@]} files)"
  objects=()
  compile() {  # compile SOURCE OBJECT EXTRA_FLAGS...
    local src=$1 obj=$2
    shift 2
    "$cxx" "${flags[@]}" "${lib_includes[@]}" "$@" -c "$src" -o "$obj"
  }
  pids=()
  i=0
  for src in "${sources[@]}" "${test_files[@]}"; do
    [[ -f $src ]] || continue
    i=$((i + 1))
    obj="$out/obj/$i.o"
    objects+=("$obj")
    compile "$src" "$obj" "${test_includes[@]}" -I "$root/tests/support" &
    pids+=($!)
    if [[ ${#pids[@]} -ge $jobs ]]; then wait "${pids[0]}" || failed=1; pids=("${pids[@]:1}"); fi
  done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  [[ $failed -eq 0 ]] || { echo "arm64_check: chapter $nn does not compile for AArch64" >&2; exit 1; }
  n_lib=${#sources[@]}
  "$cxx" -pthread "${objects[@]}" "$catch_main" -o "$out/tests"
  # The lesson programs, beside the tests (tests run some of them).
  pids=()
  for ex in "${examples[@]}"; do
    name=$(basename "$(dirname "$(dirname "$ex")")")
    name=ch${name:0:2}_$(basename "${ex%.cpp}")
    "$cxx" "${flags[@]}" "${lib_includes[@]}" "$ex" "${objects[@]:0:$n_lib}" -o "$out/$name" &
    pids+=($!)
    if [[ ${#pids[@]} -ge $jobs ]]; then wait "${pids[0]}" || failed=1; pids=("${pids[@]:1}"); fi
  done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  [[ $failed -eq 0 ]] || { echo "arm64_check: a lesson program of chapter $nn does not compile for AArch64" >&2; exit 1; }
  echo "--- running its tests under $(basename "$qemu") ($("$qemu" --version | head -1))"
  # Every test case in one run of Catch2; the lesson programs the tests start run under
  # qemu too (ASYNCIO_TEST_EMULATOR, tests/support/testing/process.hpp).
  rc=0
  (cd "$out" && QEMU_LD_PREFIX="$sysroot" ASYNCIO_TEST_EMULATOR="$qemu" \
    timeout 3600 "$qemu" -L "$sysroot" ./tests --reporter compact --success 2>&1) >"$out/test.log" || rc=$?
  grep -E '^(Passed|Failed|test cases)|: failed:|FAILED' "$out/test.log" | tail -15 || true
  # (a test that cannot run here skips, saying why: COURSE_SKIP)
  skipped=$(grep -c 'SKIPPED:' "$out/test.log" || true)
  [[ $skipped -eq 0 ]] || { echo "skipped $skipped:"; grep 'SKIPPED:' "$out/test.log" | sed 's/^/  /' | sort -u | head -20; }
  [[ $rc -eq 0 ]] || failed=1
done
[[ $failed -eq 0 ]] && echo "arm64_check: every test passed on AArch64 (qemu-user) in chapters ${chapters[*]}"
exit "$failed"
