# Prints region NAME of a source file, dedented, for a code block in a lesson or slide:
#     // region: NAME
#     ...
#     // endregion
# Nested region markers are left out. An exercise region is shown as the learner's
# starter has it, as its TODO line: a lesson explains the step and shows what is given
# around it, never the reference answer (that is in solutions/, for readers).
# Usage: awk -v name=NAME -f region.awk FILE   (name empty: the whole file)
# Keeps a long TODO line readable in a lesson: wrapped at 88 columns, each part a comment.
function wrap(text,    indent, words, count, i, current) {
    indent = text
    sub(/[^ \t].*$/, "", indent)
    count = split(substr(text, length(indent) + 1), words, " ")
    current = indent words[1]
    for (i = 2; i <= count; i++) {
        if (length(current) + 1 + length(words[i]) > 88) {
            lines[++n] = current
            current = indent "//" (words[i] == "" ? "" : " ") words[i]
        } else {
            current = current " " words[i]
        }
    }
    lines[++n] = current
}
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
    if (line ~ /^[ \t]*\/\/ BEGIN EXERCISE /) {
        sub(/\/\/ BEGIN EXERCISE /, "// TODO(", line)
        sub(/: /, "): ", line)
        wrap(line)
        hidden = 1
        next
    }
    if (line ~ /^[ \t]*\/\/ END EXERCISE[ \t]*$/) { hidden = 0; next }
    if (hidden) next
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
