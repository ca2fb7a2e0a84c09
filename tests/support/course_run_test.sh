#!/usr/bin/env bash
# CTest test of the course tool (CMakeLists.txt, "course: ./course run ..."): in a scratch
# copy of the course, `./course run 01 ping_pong` builds and runs the learner's own code
# on every run. An edit to the starter must show up in the next run, and the README's
# `cmake --build build/default --target ch01_ping_pong` must build the learner's program.
# Usage: course_run_test.sh SOURCE_DIR WORK_DIR
set -euo pipefail
source_dir=$1
work=$2
export NO_COLOR=1

fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

# expect_run WHAT RC PATTERN...: runs ./course run 01 ping_pong; it must exit with RC and
# its output (stdout and stderr) must match every PATTERN (grep -E).
expect_run() {
  local what=$1 want_rc=$2 rc=0 pattern
  shift 2
  ./course run 01 ping_pong >"$work/out.txt" 2>&1 || rc=$?
  printf -- '--- ./course run 01 ping_pong (%s): exit %d\n' "$what" "$rc"
  cat "$work/out.txt"
  [[ $rc -eq $want_rc ]] || fail "$what: ./course run exited with $rc, not $want_rc"
  for pattern in "$@"; do
    grep -Eq -- "$pattern" "$work/out.txt" || fail "$what: the output does not match /$pattern/"
  done
  if grep -q 'No such file' "$work/out.txt"; then fail "$what: a program was missing"; fi
}

rm -rf "$work"
mkdir -p "$work"
for item in course CMakeLists.txt CMakePresets.json cmake chapters solutions tests tools; do
  cp -r "$source_dir/$item" "$work/"
done
cd "$work"
starter=chapters/01-ucontext-fibers/asyncio/fiber.cpp
solution=solutions/01-ucontext-fibers/asyncio/fiber.cpp
# The pristine starter, whatever the learner did to their own copy.
awk -f tools/starter.awk "$solution" >"$starter"

# 1. The untouched starter: the program runs the learner's build and stops at the first
#    TODO, and the tool says so.
expect_run "untouched starter" 134 'Running build/default/bin/ch01-exercise/ch01_ping_pong' \
  'TODO\(ch01 fiber-context\)' 'stopped by SIGABRT'

# 2. A learner's edit to the starter is in the very next run.
sed -i 's/throw_todo("ch01", "fiber-context")/throw_todo("ch01", "edited-by-the-test")/' "$starter"
grep -q 'edited-by-the-test' "$starter" || fail "the test could not edit $starter"
expect_run "edited starter" 134 'TODO\(ch01 edited-by-the-test\)'

# 3. A finished exercise (the reference code in the learner's file) runs to the end.
cp "$solution" "$starter"
expect_run "finished exercise" 0 '^ping 3$' '^pong 3$' '^both done$'

# 4. The README's CMake line builds the learner's program, not the reference one.
awk -f tools/starter.awk "$solution" >"$starter"
cmake --build build/default --target ch01_ping_pong >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; fail "cmake --build --target ch01_ping_pong"; }
rc=0
build/default/bin/ch01-exercise/ch01_ping_pong >"$work/out.txt" 2>&1 || rc=$?
grep -q 'TODO(ch01 fiber-context)' "$work/out.txt" ||
  fail "after cmake --build --target ch01_ping_pong, bin/ch01-exercise/ch01_ping_pong is not the starter's (exit $rc): $(cat "$work/out.txt")"
[[ ! -e build/default/bin/ch01-solution/ch01_ping_pong ]] ||
  fail "cmake --build --target ch01_ping_pong built the solution's program"

echo "course run: builds and runs the learner's code, with their latest edit"
rm -rf "$work"
