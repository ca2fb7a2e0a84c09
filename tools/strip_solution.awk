# Takes the reference answers out of a solution file, for a student copy of the course
# (./course export --student): each exercise region keeps its BEGIN, STUB and END lines
# and its commented stub, and the reference code between BEGIN and STUB becomes the stub
# itself, uncommented:
#
#     // BEGIN EXERCISE step-name: What to do.        // BEGIN EXERCISE step-name: What to do.
#     ...reference code...                     ==>    stub code
#     // STUB                                         // STUB
#     // stub code                                    // stub code
#     // END EXERCISE                                 // END EXERCISE
#
# So the file compiles and fails at its TODOs as the starter does, starter.awk makes the
# very same starter from it (./course reset, sync --check and the steps of a chapter work
# in the copy), and no line of the answer is left. A region whose answer calls the
# sanitizer annotations says so in a comment (./course check then still asks for --asan).
# Usage: awk -f strip_solution.awk FILE > STRIPPED
function fail(message) {
    printf "%s:%d: %s\n", FILENAME, FNR, message > "/dev/stderr"
    failed = 1
    exit 1
}
BEGIN { state = "code"; stub = "" }
{
    line = $0
    if (line ~ /^[ \t]*\/\/ BEGIN EXERCISE /) {
        if (state != "code") fail("BEGIN EXERCISE inside an exercise region")
        print line
        indent = line
        sub(/[^ \t].*$/, "", indent)
        state = "solution"
        sanitizer = 0
        count = 0
        stub = ""
        next
    }
    if (state == "solution" && line ~ /^[ \t]*\/\/ STUB[ \t]*$/) {
        state = "stub"
        stub = line
        next
    }
    if (state != "code" && line ~ /^[ \t]*\/\/ END EXERCISE[ \t]*$/) {
        if (sanitizer) print indent "// (the answer also calls the sanitizer_ annotations: only --asan checks them)"
        if (stub == "") { print line; state = "code"; next }
        for (i = 1; i <= count; i++) print live[i]
        print stub
        for (i = 1; i <= count; i++) print commented[i]
        print line
        state = "code"
        next
    }
    if (state == "solution") {
        if (line ~ /sanitizer_/) sanitizer = 1
        next
    }
    if (state == "stub") {
        if (!match(line, /^[ \t]*\/\/( |$)/)) fail("stub lines must be commented out: '// code'")
        lead = line
        sub(/\/\/.*$/, "", lead)
        code = lead substr(line, RLENGTH + 1)
        sub(/[ \t]+$/, "", code)
        commented[++count] = line
        live[count] = code
        next
    }
    print line
}
END {
    if (!failed && state != "code") { FNR = "end"; fail("exercise region not closed with '// END EXERCISE'") }
}
