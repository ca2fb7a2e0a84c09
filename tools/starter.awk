# Turns a solution file into the learner's starter file (see CONTRIBUTING.md):
#
#     // BEGIN EXERCISE step-name: What to do.        // TODO(step-name): What to do.
#     ...reference code...                     ==>    stub code
#     // STUB
#     // stub code
#     // END EXERCISE
#
# Usage: awk -f starter.awk FILE > STARTER. With -v steps=1 it prints only the step names.
function fail(message) {
    printf "%s:%d: %s\n", FILENAME, FNR, message > "/dev/stderr"
    failed = 1
    exit 1
}
# A long TODO line is wrapped at 88 columns, each part a comment, so that it reads in an
# editor (the lesson shows it the same way: tools/region.awk).
function print_wrapped(text,    indent, words, count, i, current) {
    indent = text
    sub(/[^ \t].*$/, "", indent)
    count = split(substr(text, length(indent) + 1), words, " ")
    current = indent words[1]
    for (i = 2; i <= count; i++) {
        if (length(current) + 1 + length(words[i]) > 88) {
            print current
            current = indent "// " words[i]
        } else {
            current = current " " words[i]
        }
    }
    print current
}
BEGIN { state = "code" }
{
    line = $0
    if (match(line, /^[ \t]*\/\/ BEGIN EXERCISE /)) {
        if (state != "code") fail("BEGIN EXERCISE inside an exercise region")
        indent = line
        sub(/[^ \t].*$/, "", indent)
        rest = substr(line, RLENGTH + 1)
        if (!match(rest, /^[a-z0-9][a-z0-9-]*: /)) fail("expected '// BEGIN EXERCISE step-name: task'")
        step = substr(rest, 1, RLENGTH - 2)
        task = substr(rest, RLENGTH + 1)
        if (steps) { if (!(step in seen)) print step; seen[step] = 1 }
        else print_wrapped(indent "// TODO(" step "): " task)
        state = "solution"
        next
    }
    if (line ~ /^[ \t]*\/\/ STUB[ \t]*$/) {
        if (state != "solution") fail("STUB outside an exercise region")
        state = "stub"
        next
    }
    if (line ~ /^[ \t]*\/\/ END EXERCISE[ \t]*$/) {
        if (state == "code") fail("END EXERCISE without BEGIN")
        state = "code"
        next
    }
    if (state == "solution") next
    if (state == "stub") {
        if (!match(line, /^[ \t]*\/\/( |$)/)) fail("stub lines must be commented out: '// code'")
        lead = line
        sub(/\/\/.*$/, "", lead)
        line = lead substr(line, RLENGTH + 1)
        sub(/[ \t]+$/, "", line)
    }
    if (!steps) print line
}
END {
    if (!failed && state != "code") { FNR = "end"; fail("exercise region not closed with '// END EXERCISE'") }
}
