# The learner's file with some steps done, for the course tool's tests: the solution file
# with the exercise regions of the steps in `solved` (space-separated) reduced to their
# reference code; the other regions stay for tools/starter.awk to turn into TODOs.
# Usage: awk -v solved="step-a step-b" -f solve_steps.awk SOLUTION | awk -f tools/starter.awk
/\/\/ BEGIN EXERCISE / {
    step = $0
    sub(/.*BEGIN EXERCISE /, "", step)
    sub(/:.*/, "", step)
    if (index(" " solved " ", " " step " ")) { solving = 1; next }
}
solving && /\/\/ STUB[ \t]*$/ { in_stub = 1; next }
solving && /\/\/ END EXERCISE/ { solving = 0; in_stub = 0; next }
in_stub { next }
{ print }
