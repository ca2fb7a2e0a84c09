# Prints region NAME of a source file, dedented, for a code block in a lesson or slide:
#     // region: NAME
#     ...
#     // endregion
# Nested region markers and exercise markers are left out, and so is the stub part of an
# exercise region: the lesson shows the code as it is compiled.
# Usage: awk -v name=NAME -f region.awk FILE   (name empty: the whole file)
BEGIN { depth = (name == "") ? 1 : 0; found = (name == ""); n = 0 }
{
    line = $0
    if (line ~ /^[ \t]*\/\/ region: /) {
        label = line
        sub(/^[ \t]*\/\/ region: /, "", label)
        sub(/[ \t]+$/, "", label)
        if (depth > 0) depth++
        else if (label == name) { depth = 1; found = 1 }
        next
    }
    if (line ~ /^[ \t]*\/\/ endregion[ \t]*$/) {
        if (depth > 0) depth--
        if (depth == 0 && found && name != "") exit
        next
    }
    if (depth == 0) next
    if (line ~ /^[ \t]*\/\/ BEGIN EXERCISE / || line ~ /^[ \t]*\/\/ END EXERCISE[ \t]*$/) { stub = 0; next }
    if (line ~ /^[ \t]*\/\/ STUB[ \t]*$/) { stub = 1; next }
    if (stub) next
    lines[++n] = line
}
END {
    if (!found) { printf "no region '%s' in %s\n", name, FILENAME > "/dev/stderr"; exit 1 }
    min = -1
    for (i = 1; i <= n; i++) {
        if (lines[i] ~ /^[ \t]*$/) continue
        match(lines[i], /^[ \t]*/)
        if (min < 0 || RLENGTH < min) min = RLENGTH
    }
    while (n > 0 && lines[n] ~ /^[ \t]*$/) n--
    for (i = 1; i <= n; i++) {
        out = (lines[i] ~ /^[ \t]*$/) ? "" : substr(lines[i], min + 1)
        print out
    }
}
