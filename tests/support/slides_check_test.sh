#!/usr/bin/env bash
# CTest test (CMakeLists.txt, "course: slides --check ..."): tools/slides_check.mjs, the
# check behind `./course slides --check`, passes a readable deck and names each slide of
# tests/support/slides-fixture/hard-to-read.md with what is wrong with it: code that
# Marp's auto-scaling shrinks below 18 px, a list that runs off the slide, prose that runs
# into the bottom margin (where the page number is), a code block
# with no title, a wall of text, a picture that does not load, text in a picture below
# 18 px. Skips (77) where Marp, puppeteer-core or Chromium is not installed
# (`./course setup slides` and `./course slides` install them).
# Usage: slides_check_test.sh COURSE_ROOT
set -euo pipefail
root=$1
fixture="$root/tests/support/slides-fixture"
marp="$root/node_modules/.bin/marp"
if [[ ! -x "$marp" || ! -d "$root/node_modules/puppeteer-core" ]] || ! command -v node >/dev/null; then
  echo "skipped: Marp or puppeteer-core is not installed (./course slides installs them)"; exit 77
fi
if ! command -v chromium >/dev/null && [[ ! -x /usr/lib/chromium/chromium ]]; then
  echo "skipped: Chromium is not installed (./course setup slides)"; exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for deck in readable hard-to-read; do
  "$marp" --html --allow-local-files "$fixture/$deck.md" -o "$work/$deck.html" >"$work/marp.log" 2>&1 ||
    { cat "$work/marp.log"; echo "FAILED: Marp could not render $deck.md"; exit 1; }
  # As ./course slides does: pictures relative to the deck.
  sed -i "s|src=\"\\([^\":/#][^\":]*\\)\"|src=\"$fixture/\\1\"|g" "$work/$deck.html"
done
failed=0
if ! out=$(cd "$fixture" && node "$root/tools/slides_check.mjs" "readable.md=$work/readable.html" 2>&1); then
  echo "$out"; echo "FAILED: the readable deck was not passed"; failed=1
fi
set +e
out=$(cd "$fixture" && node "$root/tools/slides_check.mjs" "hard-to-read.md=$work/hard-to-read.html" 2>&1)
status=$?
set -e
echo "$out"
[[ $status -eq 1 ]] || { echo "FAILED: the check exited with $status on the hard-to-read deck, not 1"; failed=1; }
expect() {  # expect SLIDE REGEX: a problem of that slide, in the check's words
  grep -Eq "^hard-to-read\\.md:[0-9]+: slide $1: $2" <<<"$out" || { echo "FAILED: slide $1 not flagged with /$2/"; failed=1; }
}
expect 1 'code at [0-9.]+ px \(below 18 px\)'
expect 2 'ul ".*" runs (off the slide|into the margin) at the bottom'
expect 3 'has no title \(a code-only slide'
expect 4 'a wall of [0-9]+ characters'
expect 4 'p ".*" runs into the margin at the bottom'
expect 5 'the picture .*no-such-picture.svg does not load'
expect 6 'text in the picture .*tiny-text.svg at [0-9.]+ px'
grep -q '^6 of 6 slides in 1 decks are hard to read' <<<"$out" || { echo "FAILED: not 6 of 6 slides flagged"; failed=1; }
# The line of the deck where each slide starts: slide 3 is the untitled code block.
line=$(grep -E '^hard-to-read\.md:[0-9]+: slide 3:' <<<"$out" | head -1 | cut -d: -f2)
[[ "$(sed -n "${line}p" "$fixture/hard-to-read.md")" == '```cpp' ]] ||
  { echo "FAILED: slide 3 is said to start at line $line"; failed=1; }
[[ $failed -eq 0 ]] && echo "slides --check names every hard-to-read slide, and passes the readable deck"
exit $failed
