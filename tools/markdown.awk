# Rewrites the code blocks of a lesson or slide deck from the regions they name:
#     <!-- code: PATH#REGION -->
#     ```cpp
#     ...                          <- replaced by the region (tools/region.awk)
#     ```
# A ```cpp block without such a marker is an error: lesson code must be compiled code.
# What a later chapter changes in an earlier file is shown as a diff of two regions:
#     <!-- diff: OLD_PATH#REGION NEW_PATH#REGION -->
#     ```diff
#     ...                          <- replaced by diff -u of the two regions
#     ```
# Usage: awk -v root=REPO -v tools=DIR -f markdown.awk FILE.md > OUT.md
function fail(message) {
    printf "%s:%d: %s\n", FILENAME, FNR, message > "/dev/stderr"
    failed = 1
}
{
    line = $0
    if (state == "skip") {
        if (line ~ /^[ \t]*```[ \t]*$/) { print line; state = "" }
        next
    }
    if (state == "fenced") {
        print line
        if (line ~ /^[ \t]*```[ \t]*$/) state = ""
        next
    }
    if (state == "want-fence" && kind == "diff") {
        if (line !~ /^[ \t]*```diff/) { fail("a <!-- diff: --> marker must be followed by a ```diff fence"); state = ""; print line; next }
        print line
        n = split(spec, sides, " ")
        if (n != 2) fail("a <!-- diff: --> marker names two regions: OLD_PATH#REGION NEW_PATH#REGION")
        command = "a=$(mktemp) && b=$(mktemp) && "
        for (side = 1; side <= 2; side++) {
            path = sides[side]; region = ""
            if (index(path, "#") > 0) { region = substr(path, index(path, "#") + 1); path = substr(path, 1, index(path, "#") - 1) }
            if ((getline probe < (root "/" path)) < 0) fail("no such file: " path)
            close(root "/" path)
            label[side] = path
            command = command "awk -v name='" region "' -f '" tools "/region.awk' '" root "/" path "' > $" (side == 1 ? "a" : "b") " && "
        }
        command = command "{ diff -u --label '" label[1] "' --label '" label[2] "' $a $b; rm -f $a $b; }"
        got = 0
        while ((command | getline text) > 0) { print text; got++ }
        close(command)
        if (got == 0) fail("the two regions of the diff are the same, or could not be read: " spec)
        state = "skip"; kind = ""
        next
    }
    if (state == "want-fence") {
        if (line !~ /^[ \t]*```/) { fail("a <!-- code: --> marker must be followed by a ``` fence"); state = ""; print line; next }
        print line
        path = spec; region = ""
        if (index(spec, "#") > 0) { path = substr(spec, 1, index(spec, "#") - 1); region = substr(spec, index(spec, "#") + 1) }
        if ((getline probe < (root "/" path)) < 0) fail("no such file: " path)
        close(root "/" path)
        command = "awk -v name='" region "' -f '" tools "/region.awk' '" root "/" path "'"
        got = 0
        while ((command | getline text) > 0) { print text; got++ }
        if (close(command) != 0 || got == 0) fail("could not take region '" region "' from " path)
        state = "skip"
        next
    }
    if (match(line, /^<!-- diff: [^ ]+ [^ ]+ -->[ \t]*$/)) {
        spec = line
        sub(/^<!-- diff: /, "", spec)
        sub(/ -->[ \t]*$/, "", spec)
        print line
        state = "want-fence"; kind = "diff"
        next
    }
    if (match(line, /^<!-- code: [^ ]+ -->[ \t]*$/)) {
        spec = line
        sub(/^<!-- code: /, "", spec)
        sub(/ -->[ \t]*$/, "", spec)
        print line
        state = "want-fence"
        next
    }
    if (line ~ /^[ \t]*```(cpp|c\+\+|cc|hpp)[ \t]*$/) fail("```cpp block without a <!-- code: PATH#REGION --> marker before it")
    if (line ~ /^[ \t]*```/) state = "fenced"
    print line
}
END { exit failed }
