#!/usr/bin/env bash
# CTest tests of the course tool's verbs (CMakeLists.txt, "course: ..."), each in a
# scratch copy of the course so that the learner's own files, progress and build are
# never touched. One section per test:
#   typos     a mistyped chapter or verb is rejected at once, with the valid ones; the
#             help text's columns line up
#   loop      (builds chapter 01) check, check STEP, check --test, status and hint
#             follow the learner's code and last check; check links compile_commands.json;
#             watch checks again on every save; a flaky test's report is its failing run's;
#             skipped tests are listed with their reasons
#   mine      check --mine says which chapters are the learner's
#   state     hint and status on progress files of --all checks and of an older ./course
#   reset     reset keeps the learner's files in .course/backup/ and says where
#   doctor    doctor passes on this machine, a line per check, and fails on a too old CMake
#   grade     (builds chapter 00) grade --solution in each format, validated; grade of the
#             starter fails
#   export    (builds chapter 01) export --student: one commit, fresh starters, no line of a
#             later chapter's answer; in the copy test/verify/sync refuse, check says whose
#             chapters it builds on, and check, status, hint and run work
# Usage: course_cli_test.sh SOURCE_DIR WORK_DIR SECTION
set -euo pipefail
source_dir=$1
work=$2
section=$3
export NO_COLOR=1

fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

# expect WHAT RC PATTERN... -- COMMAND...: runs COMMAND; it must exit with RC and its
# output (stdout and stderr) must match every PATTERN (grep -E).
expect() {
  local what=$1 want_rc=$2 rc=0 patterns=()
  shift 2
  while [[ $1 != -- ]]; do patterns+=("$1"); shift; done
  shift
  "$@" >"$work/out.txt" 2>&1 || rc=$?
  printf -- '--- %s (%s): exit %d\n' "$*" "$what" "$rc"
  cat "$work/out.txt"
  [[ $rc -eq $want_rc ]] || fail "$what: exited with $rc, not $want_rc"
  local pattern
  for pattern in "${patterns[@]}"; do
    grep -Eq -- "$pattern" "$work/out.txt" || fail "$what: the output does not match /$pattern/"
  done
}

# wait_for_line FILE COUNT PATTERN: waits (up to 120 s) until COUNT lines of FILE match.
wait_for_line() {
  local i
  for ((i = 0; i < 240; i++)); do
    [[ $(grep -cE -- "$3" "$1" || true) -ge $2 ]] && return 0
    sleep 0.5
  done
  cat "$1"
  fail "no $2 lines /$3/ in $1 after 120 s"
}

rm -rf "$work"
mkdir -p "$work"
for item in course CMakeLists.txt CMakePresets.json cmake chapters solutions tests tools README.md; do
  cp -r "$source_dir/$item" "$work/"
done
rm -rf "$work/.course"
cd "$work"
# Every starter as generated, whatever the learner did to their own copies.
while IFS= read -r file; do
  awk -f tools/starter.awk "$file" >"chapters/${file#solutions/}"
done < <(grep -rl --include='*.hpp' --include='*.cpp' -- '// BEGIN EXERCISE ' solutions)

section_typos() {
  # Another ./course holds the build lock (here: this script): a typo must not wait for it.
  mkdir -p build
  local lock
  exec {lock}>build/.lock
  flock "$lock"
  expect "unknown chapter" 2 "no chapter '42'" 'Chapters: 00 01 ' -- timeout 10 ./course check 42
  expect "unknown chapter for run" 2 "no chapter '99'" 'Chapters: 00 01 ' -- timeout 10 ./course run 99 x
  expect "unknown program" 2 "no program 'nosuch'" 'ping_pong' -- timeout 10 ./course run 01 nosuch
  expect "no chapter" 2 'which chapter\? Chapters: 00 01 ' -- timeout 10 ./course check
  expect "unknown chapter for watch" 2 "no chapter '42'" -- timeout 10 ./course watch 42
  expect "unknown chapter for verify" 2 "no chapter '77'" -- timeout 10 ./course verify 01 77
  expect "unknown step" 2 "no step 'fiber-swich'" 'Did you mean fiber-switch\?' 'Steps: fiber-context fiber-switch' \
    -- timeout 10 ./course check 01 fiber-swich
  expect "hint for an unknown step" 2 "no step 'fiber-swtch'" 'Did you mean fiber-switch\?' -- ./course hint 01 fiber-swtch
  expect "--test without a name" 2 '--test needs the name of a test' -- timeout 10 ./course check 01 --test
  exec {lock}>&-

  expect "a misspelt verb" 2 "unknown command 'chekc'" 'Did you mean: check\?' -- ./course chekc 01
  expect "a prefix of a verb" 2 'Did you mean: status\?' -- ./course stat
  expect "a prefix of several verbs" 2 'Did you mean: status, slides, sync or setup\?' -- ./course s
  expect "nothing close" 2 'Commands: demo test check' -- ./course xyzzy
  grep -q 'Did you mean' "$work/out.txt" && fail "a guess for a word close to no verb"

  # Every description starts in the same column: the first line of a verb after its
  # usage, and the description lines of their own.
  ./course help >"$work/help.txt"
  cat "$work/help.txt"
  local columns
  columns=$(awk '
    /^  [a-z]/ { line = $0; sub(/^  [^ ].*[^ ]  +/, "", line); if (line != $0 && line != "") print length($0) - length(line) }
    /^   +[^ ]/ { match($0, /[^ ]/); print RSTART - 1 }' "$work/help.txt" | sort -u)
  [[ $(wc -l <<<"$columns") -eq 1 ]] || fail "the help's descriptions start in columns $(echo $columns)"
  local verb
  for verb in $(./course xyzzy 2>&1 | sed -n 's/^Commands: \([a-z ]*\) (.*/\1/p'); do
    grep -Eq "^  $verb( |\$)" "$work/help.txt" || fail "the help does not list '$verb'"
  done
  echo "typos are rejected at once, with the valid choices; the help lines up"
}

starter=chapters/01-ucontext-fibers/asyncio/fiber.cpp
solution=solutions/01-ucontext-fibers/asyncio/fiber.cpp
# solve STEP...: the learner's chapter 01 with those steps done (none: the starter).
solve() {
  awk -v solved="$*" -f tests/support/solve_steps.awk "$solution" | awk -f tools/starter.awk >"$starter"
}

section_loop() {
  solve
  # No check yet: the hint is for the first step, and says why.
  expect "hint before any check" 0 'step fiber-context: hint 1 of 3' 'No check of chapter 01 yet' -- ./course hint 01
  rm -rf .course/hints

  # Step fiber-context done: its tests now stop at the TODO of fiber-switch, which is the
  # step to do next, and the one to hint.
  solve fiber-context
  expect "check with fiber-context done" 1 'fiber-context +[0-9]+/[0-9]+' 'TODO\(ch01 fiber-switch\)' \
    'Next: make step fiber-switch pass' -- nice -n 10 ./course check 01
  # One step, one test: the report of that step alone, the test's whole output; neither
  # is the learner's progress, which stays that of the last full check.
  cp .course/results/01 "$work/progress"
  expect "check of one step" 1 '^  ✘ fiber-context +[0-9]+/[0-9]+ ' 'Next: make step fiber-switch pass' \
    -- nice -n 10 ./course check 01 fiber-context
  grep -Eq 'fiber-switch +[0-9]|fiber-exceptions +[0-9]|other tests' "$work/out.txt" && fail "a step check reported other steps"
  expect "check of one passing test" 0 'All tests passed' '^passed: a fiber refuses an empty body$' \
    -- nice -n 10 ./course check 01 --test "a fiber refuses an empty body"
  expect "check of one failing test, by part of its name" 1 'Running the test "the ping pong lesson program alternates ping and pong"' \
    'examples_test.cpp:[0-9]+: FAILED' 'TODO\(ch01 fiber-switch\)' '^failed: the ping pong' \
    -- nice -n 10 ./course check 01 --test "ping pong lesson"
  expect "check of a test nobody wrote" 2 "no test of chapter 01 is named 'no such test'" \
    -- nice -n 10 ./course check 01 --test "no such test"
  cmp -s .course/results/01 "$work/progress" || fail "a check of one step or test changed the progress of the chapter"

  # Editors: compile_commands.json links to the learner's compile commands, in which the
  # starter compiles with the learner's chapter first on the include path, and no
  # reference build appears; the course's .gitignore leaves it out of git.
  [[ -L compile_commands.json ]] || fail "check made no compile_commands.json link"
  [[ $(readlink compile_commands.json) == build/default/* ]] || fail "compile_commands.json links to $(readlink compile_commands.json)"
  grep -q "\"file\": \"$work/$starter\"" compile_commands.json || fail "compile_commands.json lacks $starter"
  grep -q -- "-I$work/chapters/01-ucontext-fibers -I$work/solutions/01-ucontext-fibers" compile_commands.json ||
    fail "compile_commands.json does not put the learner's chapter first"
  grep -q 'CMakeFiles/ch01-solution\.' compile_commands.json && fail "compile_commands.json has the reference build"
  grep -qx '/compile_commands.json' "$source_dir/.gitignore" || fail ".gitignore does not leave out compile_commands.json"

  expect "status after that check" 0 '^  01  ucontext-fibers +started +0/3 steps +[0-9]+/[0-9]+ tests$' \
    '^  02  fiber-scheduler +not started$' -- ./course status

  expect "hint after that check" 0 'step fiber-switch: hint 1 of 3' 'In your last check, ".*" failed' -- ./course hint 01
  grep -q 'since that check' "$work/out.txt" && fail "a warning about a change that was not made"
  touch -d "@$(($(date +%s) + 2))" "$starter"  # (newer than the check, on any file system)
  expect "hint after an edit" 0 'step fiber-switch: hint 2 of 3' 'You changed chapters/01-ucontext-fibers/ since that check' \
    -- ./course hint 01

  # Every step done: the check passes, and a hint is not spent.
  solve fiber-context fiber-switch fiber-exceptions
  expect "check of the finished chapter" 0 'Chapter 01 passes' -- nice -n 10 ./course check 01
  # --all: a row for each earlier chapter, chapter 01's own untagged tests apart.
  expect "check --all of the finished chapter" 0 '^  ✔ fiber-switch +([0-9]+)/\1$' '^  ✔ other tests of chapter 01 +[0-9]+/[0-9]+$' \
    'the earlier chapters. tests, on your code:' '^  ✔ 00 why-async +[0-9]+/[0-9]+$' 'Chapter 01 passes' -- nice -n 10 ./course check 01 --all
  # A compile_commands.json of the learner's own is left alone.
  rm compile_commands.json
  echo '[]' >compile_commands.json
  expect "check of the finished chapter, again" 0 'Chapter 01 passes' -- nice -n 10 ./course check 01
  [[ ! -L compile_commands.json && $(cat compile_commands.json) == '[]' ]] || fail "check replaced the learner's compile_commands.json"
  expect "check of one passing step" 0 '^  ✔ fiber-switch +([0-9]+)/\1' 'Step fiber-switch passes' \
    -- nice -n 10 ./course check 01 fiber-switch
  expect "status of the finished chapter" 0 '^  01  ucontext-fibers +passed +3/3 steps +([0-9]+)/\1 tests$' \
    'check NN --asan checks a chapter under AddressSanitizer' -- ./course status
  [[ -f .course/results/01.default ]] || fail "the check did not record the default build's result"
  # A check under --asan records its result the same way (.course/results/NN.asan; the
  # test does not build with sanitizers, which takes minutes): status shows it, and marks
  # it when the code changed since.
  printf 'passed\t55\t2026-01-01 10:00\n' >.course/results/01.asan
  expect "status with an --asan pass" 0 '^  01  ucontext-fibers +passed +3/3 steps +([0-9]+)/\1 tests +ASan ✔$' \
    -- ./course status
  touch -d "@$(($(date +%s) + 2))" "$starter"
  expect "status after an edit" 0 'ASan ✔\*$' 'you changed the code since' -- ./course status
  printf 'failed\t55\t2026-01-01 10:00\n' >.course/results/01.asan
  expect "status with an --asan failure" 0 'ASan ✘\*?$' -- ./course status
  rm -rf .course/hints
  expect "hint on a passing chapter" 0 'passed your last check: no hint needed now' -- ./course hint 01
  [[ ! -e .course/hints ]] || fail "a hint was spent on a chapter that passes: $(ls .course/hints)"
  expect "hint on a named step of a passing chapter" 0 'step fiber-switch: hint 1 of 3' -- ./course hint 01 fiber-switch
  # watch: a check now, and another after each save; by inotify and by polling.
  local how
  for how in inotify poll; do
    [[ $how == poll ]] || command -v inotifywait >/dev/null || continue
    COURSE_WATCH=$how ./course watch 01 --test "a fiber refuses an empty body" >"$work/watch.txt" 2>&1 &
    local watcher=$!
    wait_for_line "$work/watch.txt" 1 "^Watching chapters/01-ucontext-fibers \\($how\\)"
    echo "// saved again" >>"$starter"
    wait_for_line "$work/watch.txt" 2 "^Watching chapters/01-ucontext-fibers \\($how\\)"
    kill "$watcher"
    wait "$watcher" || true
    cat "$work/watch.txt"
    [[ $(grep -c '^passed: a fiber refuses an empty body$' "$work/watch.txt") -eq 2 ]] || fail "watch ($how) did not check twice"
    grep -q 'Stopped watching' "$work/watch.txt" || fail "watch ($how) did not stop cleanly"
  done

  # A test that fails only sometimes (here: only when its marker file is missing): the
  # report shows what it printed in the run that failed, and says that it passed alone.
  # A test that skips itself: the report counts it, and says which and why.
  cat >tests/01-ucontext-fibers/for_the_course_tool_test.cpp <<'CPP'
#include <testing/catch.hpp>

#include <fstream>

TEST_CASE("a test of the course tool that fails only on its first run", "[ch01]") {
    bool first = !std::ifstream("flaky-marker").good();
    std::ofstream("flaky-marker") << "ran\n";
    INFO("this is the failing run speaking");
    CHECK_FALSE(first);
}

TEST_CASE("a test of the course tool that skips itself", "[ch01]") {
    COURSE_SKIP("the course tool's test skips it on purpose");
}
CPP
  expect "check with a flaky and a skipped test" 1 '^Chapter 01-ucontext-fibers: [0-9]+ of [0-9]+ tests pass, 1 skipped$' \
    '^  ✘ other tests ' 'this is the failing run speaking' 'Run again alone, that test passed' \
    '^Skipped \(they cannot run here' "^  a test of the course tool that skips itself: the course tool's test skips it on purpose\$" \
    -- nice -n 10 ./course check 01
  rm tests/01-ucontext-fibers/for_the_course_tool_test.cpp

  echo "check, check STEP, check --test, status, hint and watch follow the learner's code and last check"
}

section_mine() {
  # --mine says which chapters are the learner's and which are untouched starters, before
  # it builds (here it then waits for the build lock this script holds, and is stopped).
  echo "// the learner was here" >>"$starter"
  mkdir -p build
  local lock
  exec {lock}>build/.lock
  flock "$lock"
  expect "--mine" 124 '^  yours: +chapters 01 ' '^  untouched starter: chapters 00 02 ' -- timeout 5 ./course check 02 --mine
  exec {lock}>&-
  echo "check --mine says whose code it builds"
}

section_state() {
  mkdir -p .course/results
  # Every step passed, but a test of no step (or, with --all, of an earlier chapter) failed.
  printf 'passed\tfiber-context\npassed\tfiber-switch\npassed\tfiber-exceptions\ntotal\t78\t79\t1\n' >.course/results/01
  expect "hint when only other tests failed" 0 'Every step of chapter 01 passed your last check' 'No hint spent' -- ./course hint 01
  [[ ! -e .course/hints ]] || fail "a hint was spent on a step that passed"
  expect "status of it" 0 '^  01  ucontext-fibers +started +3/3 steps +78/79 tests$' -- ./course status
  # A progress file of an older ./course (no "first" line): its first failed step.
  printf 'passed\tfiber-context\nfailed\tfiber-switch\nfailed\tfiber-exceptions\ntotal\t10\t55\t45\n' >.course/results/01
  expect "hint from an older progress file" 0 'step fiber-switch: hint 1 of 3' -- ./course hint 01
  echo "hint and status read every kind of progress file"
}

section_reset() {
  solve fiber-context
  echo "// the learner's own note" >>"$starter"
  cp "$starter" "$work/mine.cpp"
  mkdir -p .course/results .course/hints
  printf 'total\t1\t55\t54\n' >.course/results/01
  echo 1 >.course/hints/01-fiber-switch
  expect "reset without --yes, not at a terminal" 2 'add --yes' -- ./course reset 01 </dev/null
  cmp -s "$starter" "$work/mine.cpp" || fail "reset without --yes changed the learner's file"
  expect "reset" 0 'Your files are kept in \.course/backup/01-[0-9]{8}-[0-9]{6}/: asyncio/fiber\.cpp' \
    'cp -r \.course/backup/01-[0-9-]+/\. chapters/01-ucontext-fibers/' 'back to its starter code' \
    -- ./course reset 01 --yes
  local backup
  backup=$(sed -n 's|^Your files are kept in \(.*\)/: .*|\1|p' "$work/out.txt")
  cmp -s "$backup/asyncio/fiber.cpp" "$work/mine.cpp" || fail "the backup is not the learner's file"
  awk -f tools/starter.awk "$solution" | cmp -s - "$starter" || fail "reset did not restore the starter"
  [[ ! -e .course/results/01 && ! -e .course/hints/01-fiber-switch ]] || fail "reset kept the progress of chapter 01"
  # The learner's file comes back as the tool says.
  cp -r "$backup/." chapters/01-ucontext-fibers/
  cmp -s "$starter" "$work/mine.cpp" || fail "the backup does not bring the learner's file back"
  # A second reset keeps a second backup; a reset of the untouched starter keeps none.
  expect "second reset" 0 'Your files are kept in ' -- ./course reset 01 --yes
  [[ $(ls .course/backup | wc -l) -eq 2 ]] || fail "two resets did not keep two backups: $(ls .course/backup)"
  expect "reset of the starter" 0 'nothing to back up' -- ./course reset 01 --yes
  [[ $(ls .course/backup | wc -l) -eq 2 ]] || fail "a reset of the untouched starter kept a backup"
  echo "reset keeps the learner's files and says where"
}


section_doctor() {
  # On this machine everything needed is there: exit 0, a line per check.
  expect "doctor" 0 '^  ✔ g\+\+ [0-9]+' '^  ✔ C\+\+20 coroutines compile and run' '^  ✔ CMake [0-9.]+$' '^  ✔ Ninja ' \
    '^  ✔ Catch2 [23](\.[0-9]+)* ' '^  ✔ fmt [0-9]+\.' '(✔|!) (SQLite [0-9.]+ headers|no SQLite headers)' '(✔|!) (curl [0-9.]+|no curl)' '(✔|!) AddressSanitizer' '(✔|!) ThreadSanitizer' '(✔|!) ccache' \
    '(✔|!) free disk' '(✔|!) open files: ulimit -n' '(✔|!) vm.max_map_count' '(✔|!) CPU: ' \
    '(✔|!) (inside a container|not in a container|WSL)' '^Ready for the course' -- timeout 60 ./course doctor
  # Every line is a check (✔ ✘ !), the fix of the one above it, or the verdict.
  local odd
  odd=$(sed '1d' "$work/out.txt" | grep -v -E '^  (✔|✘|!) |^      fix: |^$|^Ready for the course' || true)
  [[ -z "$odd" ]] || fail "doctor printed lines that are neither a check nor a fix: $odd"
  # A CMake too old for the presets: ✘ with the command that fixes it, and exit 1.
  mkdir -p "$work/old-cmake"
  printf '#!/bin/sh\necho "cmake version 3.16.3"\n' >"$work/old-cmake/cmake"
  chmod +x "$work/old-cmake/cmake"
  expect "doctor with an old CMake" 1 '^  ✘ CMake 3\.16\.3 is older than 3\.21' '^      fix: .*apt-get install -y --no-install-recommends cmake' \
    'thing\(s\) the course needs are missing' -- env PATH="$work/old-cmake:$PATH" timeout 60 ./course doctor
  echo "doctor checks the machine, a line each, and fails when something needed is missing"
}

# json_check FILE SCRIPT: runs SCRIPT (JavaScript, the parsed FILE is `r`; throw to fail)
# with Node.js.
json_check() {
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
           const need = (ok, what) => { if (!ok) { console.error("FAILED: " + what); process.exit(1); } };
           '"$2" "$1" || fail "$1 is not the report expected (above)"
}

# junit_check FILE: the JUnit XML's shape: well-formed; one <testsuites> holding only
# <testsuite>s, each holding <properties> and <testcase>s, whose only children are
# <failure> and <skipped>; the counts in the attributes match the elements.
junit_check() {
  ! command -v xmllint >/dev/null || xmllint --noout "$1" || fail "$1 is not well-formed XML"
  node -e '
    const text = require("fs").readFileSync(process.argv[1], "utf8");
    const need = (ok, what) => { if (!ok) { console.error("FAILED: " + what); process.exit(1); } };
    need(/^<\?xml version="1.0" encoding="UTF-8"\?>\n/.test(text), "an XML declaration first");
    const allowed = { "": ["testsuites"], testsuites: ["testsuite"], testsuite: ["properties", "testcase"],
                      properties: ["property"], testcase: ["failure", "skipped"], failure: [], skipped: [], property: [] };
    const stack = [""], counts = [];
    let suites = 0, cases = 0, failures = 0, skipped = 0;
    const tag = /<(\/?)([a-z]+)((?:\s+[a-z_]+="[^"<]*")*)\s*(\/?)>/g;
    let m;
    while ((m = tag.exec(text)) !== null) {
      const [, close, name, attributes, empty] = m, parent = stack[stack.length - 1];
      if (close) { need(parent === name, "</" + name + "> closes <" + parent + ">"); stack.pop(); continue; }
      need((allowed[parent] || []).includes(name), "<" + name + "> inside <" + parent + ">");
      const a = {}; for (const [, k, v] of attributes.matchAll(/([a-z_]+)="([^"]*)"/g)) a[k] = v;
      if (name === "testsuites") counts.push(a);
      if (name === "testsuite") { suites++; need(a.name && a.tests && a.failures && a.skipped && a.time, "a testsuite with name, tests, failures, skipped and time"); }
      if (name === "testcase") { cases++; need(a.name && a.classname && a.time !== undefined, "a testcase with name, classname and time"); }
      if (name === "failure") { failures++; need(a.message !== undefined, "a failure with a message"); }
      if (name === "skipped") { skipped++; need(a.message !== undefined, "a skipped with a message"); }
      if (!empty) stack.push(name);
    }
    need(stack.length === 1, "every element closed");
    need(counts.length === 1, "one testsuites element");
    need(+counts[0].tests === cases && +counts[0].failures === failures && +counts[0].skipped === skipped,
         "testsuites counts " + JSON.stringify(counts[0]) + " match " + [cases, failures, skipped]);
    need(suites > 0 && cases > 0, "some suites and cases");
    console.log(suites + " testsuites, " + cases + " testcases, " + failures + " failures, " + skipped + " skipped");
  ' "$1" || fail "$1 does not have the shape of a JUnit report"
}

section_grade() {
  # Beside chapter 00's tests: one that skips itself (step start-threads) and a [bonus]
  # one that fails, printing what JSON and XML must escape. Neither keeps the chapter
  # from passing.
  cat >tests/00-why-async/for_the_grade_test.cpp <<'CPP'
#include <testing/catch.hpp>

TEST_CASE("a test of the grade report that skips itself", "[ch00][start-threads]") {
    COURSE_SKIP("the grade's test skips it on purpose");
}

TEST_CASE("a bonus test of the grade report that fails", "[ch00][bonus]") {
    INFO("escape me: <a & b> \"quoted\" back\\slash\ttab");
    CHECK(1 + 1 == 3);
}
CPP
  # The learner's last check of chapter 00 under --asan passed: the reports say so.
  mkdir -p .course/results
  printf 'passed\t24\t2026-01-05 10:00\n' >.course/results/00.asan
  local format
  for format in json junit gradescope; do
    expect "grade 00 --solution --format $format" 0 "Wrote the $format report to $work/report.$format" \
      -- nice -n 10 ./course grade 00 --solution --format "$format" --output "$work/report.$format"
  done
  json_check "$work/report.json" '
    need(r.build === "solution" && r.preset === "default" && r.asan === false && r.passed === true, "the build, preset, asan and verdict");
    need(r.compiler.id && r.compiler.version && r.compiler.path, "the compiler");
    need(r.chapters[0].last_asan_check === "passed", "the last check under --asan");
    need(r.chapters.length === 1 && r.chapters[0].chapter === "00" && r.chapters[0].status === "passed" && r.chapters[0].built, "chapter 00 passed");
    const steps = Object.fromEntries(r.chapters[0].steps.map(s => [s.step, s]));
    need(steps["start-threads"] && steps["collect-results"] && steps["other"], "the steps start-threads, collect-results and other");
    for (const s of r.chapters[0].steps)
      for (const t of s.tests) need(t.name && ["passed", "failed", "skipped"].includes(t.status) && typeof t.time === "number", "test " + t.name);
    const skip = steps["start-threads"].tests.find(t => t.name === "a test of the grade report that skips itself");
    need(skip && skip.status === "skipped" && /skips it on purpose/.test(skip.detail), "the skipped test, with its reason");
    need(steps["start-threads"].status === "passed" && steps["start-threads"].skipped === 1, "a skipped test does not fail its step");
    const bonus = steps["other"].tests.find(t => t.bonus);
    need(bonus && bonus.status === "failed" && bonus.output.includes("escape me: <a & b> \"quoted\" back\\slash"), "the failing bonus test and what it printed");'
  junit_check "$work/report.junit"
  grep -q '<testsuite name="ch00 start-threads"' "$work/report.junit" || fail "no testsuite for step start-threads"
  grep -q '<skipped message="[^"]*skips it on purpose' "$work/report.junit" || fail "no skipped element with its reason"
  grep -q '<property name="last_asan_check" value="passed"/>' "$work/report.junit" || fail "no last_asan_check property"
  grep -q 'escape me: &lt;a &amp; b&gt; &quot;quoted&quot; back\\slash' "$work/report.junit" || fail "the failure's output is not escaped"
  json_check "$work/report.gradescope" '
    need(Array.isArray(r.tests) && r.tests.length >= 3 && typeof r.score === "number", "tests and a score");
    for (const t of r.tests)
      need(typeof t.name === "string" && typeof t.score === "number" && typeof t.max_score === "number" &&
           ["passed", "failed"].includes(t.status) && ["visible", "hidden", "after_due_date", "after_published"].includes(t.visibility),
           "test " + JSON.stringify(t));
    const step = r.tests.find(t => t.name === "ch00 start-threads");
    need(step && step.max_score === 7 && step.score === 7 && step.status === "passed", "start-threads: a point per test, the skipped one too");
    const other = r.tests.find(t => t.name === "ch00 other tests");
    need(other && other.score === other.max_score && other.status === "failed", "a failing bonus test costs no point");'
  # The report on stdout, and on the learner's untouched starter: failing steps, exit 1.
  rm tests/00-why-async/for_the_grade_test.cpp
  nice -n 10 ./course grade 00 --format json >"$work/starter.json" 2>"$work/starter.err" && fail "grade of the starter exited 0"
  cat "$work/starter.err"
  json_check "$work/starter.json" '
    need(r.build === "exercise" && r.passed === false && r.chapters[0].status === "failed", "the exercise build failed");
    const step = r.chapters[0].steps.find(s => s.step === "start-threads");
    need(step.status === "failed" && step.failed > 0 && step.tests.some(t => /TODO\(ch00 start-threads\)/.test(t.output || "")), "start-threads fails at its TODO");'
  expect "an unknown format" 2 "unknown format 'xml'" -- ./course grade 00 --format xml
  echo "grade writes JUnit XML, JSON and Gradescope's results.json, and says whether everything passed"
}
# answer_lines COURSE AFTER: the lines of reference answers of the chapters after AFTER
# ("none": all) that appear nowhere else in COURSE: not outside the exercise regions, not
# in a starter, lesson, test or earlier chapter. (Independent of tools/strip_solution.awk:
# the answer is what lies between BEGIN EXERCISE and STUB.) One trimmed line each.
answer_lines() {
  local course=$1 after=$2 f nn corpus
  corpus=$(mktemp -d)
  while IFS= read -r f; do
    nn=${f:10:2}
    if [[ $f == solutions/* && ($after == none || $nn > $after) ]] && grep -q -- '// BEGIN EXERCISE ' "$course/$f"; then
      awk '/\/\/ BEGIN EXERCISE / { on = 1; next } on && /\/\/ STUB[ \t]*$/ { on = 0; next }
           on { sub(/^[ \t]+/, ""); sub(/[ \t]+$/, ""); if (length($0) >= 20) print }' "$course/$f" >>"$corpus/answers"
      awk '/\/\/ BEGIN EXERCISE / { on = 1 } !on { print } /\/\/ END EXERCISE/ { on = 0 }' "$course/$f" >>"$corpus/rest"
    else
      cat "$course/$f" >>"$corpus/rest"
    fi
  done < <(cd "$course" && find . -type f -not -path './build/*' -not -path './.course/*' -not -name '*.txt' | sed 's|^\./||')
  sort -u "$corpus/answers" | grep -vxF -f <(grep -a -oF -f <(sort -u "$corpus/answers") "$corpus/rest" | sort -u) || true
  rm -rf "$corpus"
}

section_export() {
  # The instructor has tried chapter 01 in their own chapters/: the copy gets the starter.
  echo "// the instructor's own experiment" >>"$starter"
  local copy="$work/build/student" answers
  expect "export without --student" 2 'export writes a student copy' -- ./course export "$copy"
  expect "export" 0 '^  reference answers: chapters 00\.\.00$' '^  answers taken out: chapters 01\.\.' 'one commit' \
    -- ./course export --student "$copy" --through 0
  expect "export into a folder that is not empty" 2 'exists and is not an empty folder' -- ./course export --student "$copy"
  [[ $(git -C "$copy" rev-list --count HEAD) -eq 1 ]] || fail "the copy is not one commit"
  [[ -z $(git -C "$copy" status --porcelain) ]] || fail "the copy has files outside its commit: $(git -C "$copy" status --porcelain)"
  grep -qx 'through 00' "$copy/STUDENT_COPY" || fail "STUDENT_COPY does not say 'through 00'"
  awk -f tools/starter.awk "$solution" | cmp -s - "$copy/$starter" || fail "the copy's chapter 01 is not the starter"
  cmp -s solutions/00-why-async/asyncio/run_in_threads.hpp "$copy/solutions/00-why-async/asyncio/run_in_threads.hpp" ||
    fail "the copy lacks chapter 00's reference answer"
  # No line of a later chapter's answer is in the copy, nor in its history; chapter 02's
  # context switch in assembly, for one.
  answers=$(answer_lines "$work" 00)
  [[ $(wc -l <<<"$answers") -ge 100 ]] || fail "only $(wc -l <<<"$answers") lines of answers to look for"
  grep -q -F 'movq %rsp, (%rdi)' <<<"$answers" || fail "chapter 02's assembly is not among the answers looked for"
  local found
  found=$(cd "$copy" && grep -r -I -n -F -f <(printf '%s\n' "$answers") --exclude-dir=.git . || true)
  [[ -z $found ]] || fail "the copy has reference answers of later chapters: $(head -5 <<<"$found")"
  found=$(git -C "$copy" grep -n -F -f <(printf '%s\n' "$answers") HEAD || true)
  [[ -z $found ]] || fail "the copy's commit has reference answers of later chapters: $(head -5 <<<"$found")"
  # Without --through, no chapter's answers: chapter 00's are out too.
  expect "export of none" 0 '^  reference answers: no chapter$' -- ./course export --student "$work/build/none"
  grep -qx 'through none' "$work/build/none/STUDENT_COPY" || fail "STUDENT_COPY does not say 'through none'"
  [[ -z $(cd "$work/build/none" && grep -r -I -F -f <(answer_lines "$work" none) --exclude-dir=.git . || true) ]] ||
    fail "the copy of no chapter has reference answers"

  # In the copy: what needs every reference answer refuses, and says what to use instead.
  cd "$copy"
  expect "test in the copy" 2 'test is not offered in a student copy' 'reference answers of chapters 00\.\.00 only' \
    './course check NN' -- ./course test
  expect "verify in the copy" 2 'verify is not offered in a student copy' -- ./course verify 01
  expect "sync in the copy" 2 'sync is not offered in a student copy' -- ./course sync --check
  expect "grade --solution in the copy" 2 'none of chapter 01' -- ./course grade 01 --solution
  expect "export in the copy" 2 'a student copy already' -- ./course export --student "$work/build/again"
  # Chapter 02 builds on the learner's chapter 01 (said before it builds; the build lock
  # held here stops it), and on the reference of chapter 00.
  echo "// the learner's own chapter 01" >>"$starter"
  mkdir -p build
  local lock
  exec {lock}>build/.lock
  flock "$lock"
  expect "check 02 in the copy" 124 'chapter 02 builds on your own code of the chapters after 00, as --mine does' \
    '^  yours: +chapters 01 ' '^  untouched starter: chapters 02 ' -- timeout 5 ./course check 02
  exec {lock}>&-
  # The learner solves chapter 01: it builds on chapter 00's reference and passes, and
  # status, hint and run follow.
  awk -v solved="fiber-context fiber-switch fiber-exceptions" -f "$work/tests/support/solve_steps.awk" "$work/$solution" |
    awk -f tools/starter.awk >"$starter"
  expect "check 01 in the copy" 0 'chapter 01 builds on the reference answers of the chapters before it' \
    'Chapter 01 passes' -- nice -n 10 ./course check 01
  expect "status in the copy" 0 '^  01  ucontext-fibers +passed ' -- ./course status
  expect "hint in the copy" 0 'Chapter 02, step ' -- ./course hint 02
  expect "run in the copy" 0 'ping' -- nice -n 10 ./course run 01 ping_pong
  # The same configure put chapter 02's build on the learner's chapter 01.
  grep -q -- "-I$copy/chapters/02-fiber-scheduler -I$copy/solutions/02-fiber-scheduler -I$copy/chapters/01-ucontext-fibers -I$copy/solutions/01-ucontext-fibers -I$copy/solutions/00-why-async" \
    build/default/compile_commands.json || fail "chapter 02's exercise build in the copy does not take the learner's chapter 01"
  cd "$work"
  echo "export writes a student copy without the later answers, whose check builds on the learner's chapters"
}
"section_$section"
rm -rf "$work"
