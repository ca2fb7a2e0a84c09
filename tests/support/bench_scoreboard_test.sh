#!/usr/bin/env bash
# CTest tests of the scoreboard (CMakeLists.txt, "course: ..."), one section per test:
#   tool  bench/scoreboard.awk on a fixed file of records (bench-fixture/records.tsv), with
#         every awk of the machine (mawk, gawk, busybox): medians, spreads, ratios to the
#         best peer in each metric's direction, rows best first, load averages, the
#         missing and failed programs named with their stderr, bad records reported; the
#         JSON parses and holds every sample, the SVG is well-formed XML with a bar a row
#   run   (builds the course's runtime) in a scratch copy, `./course bench --quick W2`
#         with the peers but asyncio hidden (COURSE_BENCH_WITHOUT): it builds, runs each
#         program REPS times, names the hidden peers, writes JSON and SVG; then a course
#         program that fails is reported with its stderr and the rest still runs; the W4
#         client measures an echo server and fails on one that answers wrong
# Nothing depends on the machine's speed: the fixture's figures are fixed, and the run
# section checks the shape of what is printed and written, never a figure.
# Usage: bench_scoreboard_test.sh SOURCE_DIR WORK_DIR SECTION
set -euo pipefail
source_dir=$1
work=$2
section=$3
export NO_COLOR=1

fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
# has FILE PATTERN...: every PATTERN (grep -E) matches a line of FILE.
has() {
  local file=$1 pattern
  shift
  for pattern in "$@"; do grep -Eq -- "$pattern" "$file" || { cat "$file"; fail "$file has no line matching /$pattern/"; }; done
}
has_not() {
  local file=$1 pattern
  shift
  for pattern in "$@"; do ! grep -Eq -- "$pattern" "$file" || { grep -E -- "$pattern" "$file"; fail "$file has a line matching /$pattern/"; }; done
}
# json_check FILE PYTHON-EXPRESSIONS...: FILE parses as JSON, and each expression (over
# `d`, the document) is true. Python 3, else Node.js for the parse alone.
json_check() {
  local file=$1 expr
  shift
  if command -v python3 >/dev/null; then
    python3 -m json.tool "$file" >/dev/null || fail "$file is not valid JSON"
    for expr in "$@"; do
      python3 -c "import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if ($expr) else 1)" "$file" ||
        fail "$file: not true: $expr"
    done
  elif command -v node >/dev/null; then
    node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$file" || fail "$file is not valid JSON"
  else
    echo "(neither python3 nor node: the JSON is not parsed)"
  fi
}
svg_check() {
  local file=$1 bars=$2
  command -v python3 >/dev/null || { echo "(no python3: the SVG is not parsed)"; return 0; }
  python3 - "$file" "$bars" <<'EOF' || fail "$1 is not the plot it should be"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
bars = [r for r in root.iter(ns + "rect") if "bar" in r.get("class", "")]
course = [r for r in bars if "course" in r.get("class", "")]
width = float(root.get("width"))
print(f"{sys.argv[1]}: {len(bars)} bars ({len(course)} of the course), {width:.0f} px wide")
assert len(bars) == int(sys.argv[2]), f"{len(bars)} bars, not {sys.argv[2]}"
assert course, "no bar of the course's rows is highlighted"
assert width <= 820, "wider than a lesson"
assert all(float(r.get("x")) + float(r.get("width")) <= width for r in bars), "a bar leaves the picture"
EOF
}

section_tool() {
  local awk_bin ran=0 out="$work/tool"
  for awk_bin in mawk gawk original-awk "busybox awk"; do
    command -v "${awk_bin%% *}" >/dev/null || continue
    [[ $awk_bin != "busybox awk" ]] || busybox awk 'BEGIN {}' 2>/dev/null || continue
    rm -rf "$out"
    mkdir -p "$out"
    echo "--- with $awk_bin"
    $awk_bin -f "$source_dir/bench/scoreboard.awk" -v json="$out/s.json" -v svg="$out/s.svg" \
      "$source_dir/bench/WORKLOADS.md" "$source_dir/tests/support/bench-fixture/records.tsv" >"$out/table.txt" ||
      fail "$awk_bin: the tool failed"
    cat "$out/table.txt"
    # Medians (odd and even counts), spreads, ratios in both directions, best first, load.
    has "$out/table.txt" \
      '^W1  context switch  \(3 runs of each program\)' \
      '^  W1-switch  \(ns, lower is better\)' \
      '^  \* course-switch +3\.00  2\.50\.\.3\.50 \(33%\) +0\.60x boost\.context +0\.50\.\.1\.00$' \
      '^    boost\.context +5\.00  4\.00\.\.6\.00 \(40%\) +best peer +0\.60\.\.1\.50$' \
      '^  \* course-fiber +12\.0  10\.0\.\.14\.0 \(33%\) +2\.40x boost\.context' \
      '^  \* course +31\.0M  30\.0M\.\.32\.0M \(6%\) +1\.41x asio +1\.00\.\.1\.40$' \
      '^    asyncio +1\.00M .* 0\.045x asio' \
      '^  \* course +4\.50M .* 0\.41x asio' \
      '^  W2-flat-rss  \(MiB, lower is better\)' \
      '^  \* course +51\.0 .* 1\.21x asio' \
      '^    asyncio +100 .* 2\.38x asio'
    # Rows best first: in W1 the switch, boost, the fiber; in W2-chain asio before course.
    grep -E '^  [ *] [a-z]' "$out/table.txt" | grep -v '^    runtime ' | sed 's/^  [ *] \([^ ]*\).*/\1/' | paste -sd' ' - >"$out/order.txt"
    has "$out/order.txt" '^course-switch boost\.context course-fiber course asio asyncio asio course asyncio asio course asyncio$'
    # What was not measured, what failed (its stderr), what was wrong in the records.
    has "$out/table.txt" \
      '^  not measured: uvloop: python3-uvloop is not installed' \
      '^W5  thread-safe submission' '^  not measured: asio: hidden by COURSE_BENCH_WITHOUT' \
      '^  FAILED: course-simple/w2_callsoon, run 1: exit status 3$' \
      '^      \| first line of stderr$' '^      \| second line"quoted"\\ back$' \
      "^  PROBLEM: course/w2_callsoon printed 'fast' as its W2-flat: not a number" \
      "^  PROBLEM: course/w2_callsoon printed a result of metric 'W9-bogus'" \
      "^  PROBLEM: course/w2_callsoon printed 'W3-wall', a metric of W3, not of W2" \
      '^Machine: 2 cores, Test CPU "quoted" \\ back, Linux 6\.1'
    has_not "$out/table.txt" 'W3  ' 'W9-bogus +[0-9]' 'W3-wall  '
    json_check "$out/s.json" \
      'd["schema"] == 1 and d["date"] == "2026-12-04T21:00:00Z" and d["quick"] is False' \
      'd["machine"]["cpu"] == "Test CPU \"quoted\" \\ back"' \
      '[w["workload"] for w in d["workloads"]] == ["W1", "W2", "W5"]' \
      'len(d["figures"]) == 12' \
      '[f for f in d["figures"] if f["runtime"] == "course" and f["metric"] == "W2-flat"][0]["samples"] == [30000000, 32000000]' \
      '[f for f in d["figures"] if f["runtime"] == "course" and f["metric"] == "W2-flat"][0]["median"] == 31000000' \
      'abs([f for f in d["figures"] if f["runtime"] == "course-fiber"][0]["ratio_to_best_peer"] - 2.4) < 1e-9' \
      '[f for f in d["figures"] if f["metric"] == "W2-flat-rss"][0]["best_peer"] == "asio"' \
      'all(f["course"] == f["runtime"].startswith("course") for f in d["figures"])' \
      '[f for f in d["figures"] if f["runtime"] == "boost.context"][0]["load_max"] == 1.5' \
      'len(d["runs"]) == 12 and d["runs"][-1]["status"] == "failed"' \
      'd["missing"] == [{"workload": "W2", "runtime": "uvloop", "why": "python3-uvloop is not installed (./course setup bench)"}, {"workload": "W5", "runtime": "asio", "why": "hidden by COURSE_BENCH_WITHOUT"}]' \
      'd["failed"][0]["stderr_tail"] == "first line of stderr\nsecond line\"quoted\"\\ back"' \
      'len(d["problems"]) == 3'
    svg_check "$out/s.svg" 12
    ran=$((ran + 1))
  done
  [[ $ran -gt 0 ]] || fail "no awk on this machine"
  echo "the scoreboard tool's table, JSON and SVG are right with $ran awk(s)"
}

section_run() {
  rm -rf "$work"
  mkdir -p "$work"
  local item
  for item in course CMakeLists.txt CMakePresets.json cmake chapters solutions tests tools bench README.md; do
    cp -r "$source_dir/$item" "$work/"
  done
  rm -rf "$work/.course" "$work/bench/build"
  cd "$work"
  # A scratch copy compiles the course again: with the copy as ccache's base folder, a
  # second run of this test reuses the first one's objects.
  export CCACHE_BASEDIR=$work
  # The course's W2 program and Python's, or stand-ins while they are not written yet.
  mkdir -p bench/course
  if [[ ! -f bench/course/w2_callsoon.cpp ]]; then
    cat >bench/course/w2_callsoon.cpp <<'EOF'
// A stand-in for the course's W2 program (tests/support/bench_scoreboard_test.sh).
#include "bench.hpp"
int main(int argc, char** argv) {
    long const n = bench::count(1000000, bench::quick(argc, argv));
    std::fprintf(stderr, "stand-in: %ld callbacks\n", n);
    bench::result(bench::runtime, "W2-flat", 2e7);
    bench::result(bench::runtime, "W2-chain", 1e7);
    bench::result(bench::runtime, "W2-flat-rss", 40);
}
EOF
  fi
  if [[ ! -f bench/python/w2_callsoon.py ]]; then
    mkdir -p bench/python
    cat >bench/python/w2_callsoon.py <<'EOF'
# A stand-in for Python's W2 program (tests/support/bench_scoreboard_test.sh).
import sys
loop = sys.argv[sys.argv.index("--loop") + 1]
for metric, value in (("W2-flat", 1e6), ("W2-chain", 8e5), ("W2-flat-rss", 90)):
    print(f"result {loop} {metric} {value}")
EOF
  fi
  local hidden=asio,libuv,uvloop,boost.context
  local py=/usr/bin/python3
  [[ -x $py ]] || py=$(command -v python3 || true)

  echo "--- ./course bench --quick W2 (hidden: $hidden)"
  local rc=0
  COURSE_BENCH_WITHOUT=$hidden nice -n 10 ./course bench --quick W2 >"$work/run1.txt" 2>&1 || rc=$?
  [[ $rc -eq 0 ]] || { cat "$work/run1.txt"; fail "bench exited with $rc"; }
  cat "$work/run1.txt"
  has "$work/run1.txt" '^==> Building the scoreboard' '^==> W2: 5 runs of course' \
    '^  run 5/5: course [0-9.]+s' '^Machine: [0-9]+ cores' \
    '^W2  call_soon: .*--quick: the figures mean nothing' \
    '^  W2-flat  \(callbacks/s, higher is better\)' '^  \* course +[0-9.]+[kMG]? ' \
    '^  not measured: uvloop: hidden by COURSE_BENCH_WITHOUT$' 'Wrote build/bench/scoreboard.json'
  # (asio has a W2 program once the peers' programs are there)
  local hidden_w2=uvloop
  if [[ -f bench/asio/w2_callsoon.cpp ]]; then
    has "$work/run1.txt" '^  not measured: asio: hidden by COURSE_BENCH_WITHOUT$'
    hidden_w2="asio uvloop"
  fi
  has_not "$work/run1.txt" 'FAILED' 'PROBLEM' 'W1  |W3  '
  local rows=3  # course (and course-simple where chapter 12 is there) x 3 metrics
  grep -q '^course-simple	w2_callsoon' build/default/bin/bench/programs.tsv && rows=6
  if [[ -n $py ]]; then
    has "$work/run1.txt" '^    asyncio +[0-9.]+[kMG]? ' '^  \* course .*x asyncio'
    rows=$((rows + 3))
  else
    has "$work/run1.txt" '^  not measured: asyncio: no python3'
  fi
  json_check build/bench/scoreboard.json 'd["quick"] is True' \
    'all(len(f["samples"]) == 5 for f in d["figures"])' \
    'all(r["status"] == "ok" and r["load_before"] >= 0 for r in d["runs"])' \
    "' '.join(sorted(m['runtime'] for m in d['missing'])) == '$hidden_w2'" \
    'not d["failed"] and not d["problems"]' \
    '"W2-flat" in {f["metric"] for f in d["figures"] if f["runtime"] == "course"}' \
    'd["machine"]["cores"].isdigit() and "package:libasio-dev" in d["machine"]'
  svg_check build/bench/scoreboard.svg "$rows"
  [[ -s build/bench/logs/W2-course_w2_callsoon-1.err || -f build/bench/logs/W2-course_w2_callsoon-1.err ]] ||
    fail "no stderr log of the course's first run"

  # A program that fails its self-check: reported with its stderr, once (its other runs
  # are skipped), and every other program still runs.
  cat >bench/course/w2_callsoon.cpp <<'EOF'
// A W2 program that fails its self-check (tests/support/bench_scoreboard_test.sh).
#include "bench.hpp"
int main(int argc, char** argv) {
    bench::result(bench::runtime, "W2-flat", 1e7);
    std::fprintf(stderr, "w2_callsoon (%s): self-check failed: 99999 callbacks ran, not 100000\n", argc > 1 ? argv[1] : "no arguments");
    return 1;
}
EOF
  echo "--- ./course bench W2 --quick --reps 2 --out scratch-out, with a course program that fails"
  COURSE_BENCH_WITHOUT=$hidden nice -n 10 ./course bench W2 --quick --reps 2 --out scratch-out >"$work/run2.txt" 2>&1 || rc=$?
  [[ $rc -eq 0 ]] || { cat "$work/run2.txt"; fail "bench exited with $rc"; }
  cat "$work/run2.txt"
  has "$work/run2.txt" '^  run 1/2: course FAILED' \
    '^  FAILED: course/w2_callsoon, run 1: exit status 1$' '^      \| w2_callsoon \(--quick\): self-check failed: 99999 callbacks ran' \
    'Wrote scratch-out/scoreboard.json'
  has_not "$work/run2.txt" '^  \* course +[0-9]' 'FAILED: course/w2_callsoon, run 2'
  if [[ -n $py ]]; then has "$work/run2.txt" '^  run 2/2: .*asyncio [0-9.]+s' '^    asyncio +[0-9.]+[kMG]? +.*\(no peer measured\)|best peer'; fi
  json_check scratch-out/scoreboard.json '[f["program"] for f in d["failed"]][0] == "course/w2_callsoon"' \
    '"self-check failed" in d["failed"][0]["stderr_tail"]'
  [[ -f scratch-out/scoreboard.svg ]] || fail "no scratch-out/scoreboard.svg"

  # The W4 client against an echo server, and against one that answers wrong.
  if [[ -n $py ]]; then
    cat >"$work/echo.py" <<'PY'
import asyncio, sys
async def handle(reader, writer):
    while data := await reader.read(65536):
        writer.write(data.upper() if sys.argv[1] == "wrong" else data)
        await writer.drain()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print("port", server.sockets[0].getsockname()[1], flush=True)
    await asyncio.sleep(60)
asyncio.run(main())
PY
    local how port server i
    for how in right wrong; do
      "$py" "$work/echo.py" "$how" >"$work/echo-$how.txt" &
      server=$!
      port=""
      for ((i = 0; i < 300; i++)); do
        port=$(sed -n 's/^port //p' "$work/echo-$how.txt")
        [[ -n $port ]] && break
        sleep 0.1
      done
      rc=0
      build/default/bin/bench/client/w4_client test-echo "${port:-0}" "$server" --quick >"$work/client-$how.txt" 2>&1 || rc=$?
      kill "$server"
      wait "$server" 2>/dev/null || true
      cat "$work/client-$how.txt"
      if [[ $how == right ]]; then
        [[ $rc -eq 0 ]] || fail "w4_client exited with $rc against an echo server"
        has "$work/client-$how.txt" '^result test-echo W4-echo [0-9.e+]+$' '^result test-echo W4-server-cpu [0-9.e+-]+$'
      else
        [[ $rc -eq 1 ]] || fail "w4_client exited with $rc against a server that answers wrong"
        has "$work/client-$how.txt" 'got back something other than it sent'
        has_not "$work/client-$how.txt" '^result '
      fi
    done
  fi

  # Wrong arguments are refused at once.
  rc=0
  ./course bench W9 >"$work/out.txt" 2>&1 || rc=$?
  [[ $rc -eq 2 ]] && has "$work/out.txt" "unknown argument 'W9' for bench" || fail "bench W9 exited with $rc"
  rc=0
  ./course bench W2 --reps 0 >"$work/out.txt" 2>&1 || rc=$?
  [[ $rc -eq 2 ]] && has "$work/out.txt" '--reps needs a number' || fail "bench --reps 0 exited with $rc"
  rc=0
  ./course bench 99 >"$work/out.txt" 2>&1 || rc=$?
  [[ $rc -eq 2 ]] && has "$work/out.txt" "no chapter '99'" || fail "bench 99 exited with $rc"
  echo "./course bench builds, runs, names the hidden peers, reports a failing program and writes JSON and SVG"
}

"section_$section"
