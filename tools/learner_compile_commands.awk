# The learner's compile commands, for clangd, VS Code and CLion (./course links
# compile_commands.json at the root to what this writes): CMake's compile_commands.json
# without the reference builds (chNN-solution, chNN-solution-all) and the regression
# builds (chNN-exercise-all). A lesson program or test is in several builds; an editor
# takes the first entry of a file, which must be the learner's, with chapters/NN first
# on the include path, so that "go to definition" opens the learner's file.
# Usage: awk -f learner_compile_commands.awk build/default/compile_commands.json
# (CMake writes one field a line, each entry between a "{" line and a "}" or "}," line.)
/^\[$/ || /^\]$/ { next }
/^\{$/ { entry = $0; keep = 1; next }
/^\},?$/ {
    if (keep) printf "%s%s\n}", (kept++ ? ",\n" : "[\n"), entry
    next
}
{ entry = entry "\n" $0 }
/CMakeFiles\/ch[0-9][0-9]-(solution|solution-all|exercise-all)\./ { keep = 0 }
END { print (kept ? "\n]" : "[]") }
