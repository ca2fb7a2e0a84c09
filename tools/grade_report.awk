# The report of `./course grade` in one format, from the records the grade wrote (one
# line per test of a step, tab-separated):
#   test  NN  CHAPTER  STEP  BONUS(0|1)  NAME  STATUS  DETAIL  SECONDS  MESSAGE
# STATUS is passed, failed or skipped; DETAIL what CTest said ("timed out", "crashed
# (SIGSEGV)") or the reason a test was skipped; MESSAGE what a failing test printed,
# its lines joined by \001. A chapter that did not build has one failed test of step
# "build". Variables: format (json, junit, gradescope), build (exercise or solution),
# preset, asan (true/false), compiler_id, compiler_version, compiler_path, timestamp,
# host. The environment variable COURSE_GRADE_ASAN_NN: chapter NN's last
# ./course check NN --asan (passed or failed; unset when it never ran).

BEGIN { FS = "\t"; nc = 0; nr = 0; if (asan != "true") asan = "false" }

$1 == "test" {
    nn = $2
    if (!(nn in chapter_name)) { chapters[++nc] = nn; chapter_name[nn] = $3; ngroups[nn] = 0 }
    key = nn SUBSEP $4
    if (!(key in group_rows)) { groups[nn, ++ngroups[nn]] = $4; group_rows[key] = 0; group_bonus[key] = 1 }
    nr++
    r_group[nr] = key; r_step[nr] = $4; r_nn[nr] = nn; r_name[nr] = $6; r_status[nr] = $7
    r_detail[nr] = $8; r_time[nr] = ($9 == "" ? 0 : $9 + 0); r_message[nr] = $10
    group_list[key, ++group_rows[key]] = nr
    r_bonus[nr] = ($5 == 1)
    if ($5 != 1) { group_bonus[key] = 0; group_required[key]++ }
    if ($5 != 1 && $7 == "failed") group_required_failed[key]++
    group_count[key, $7]++
    group_time[key] += r_time[nr]
}

# ---- escaping (by index and substr, not gsub: what "\\" and "&" mean in a gsub
# replacement differs between mawk, gawk and busybox awk)
function replace_all(s, from, to,    out, i) {
    out = ""
    while ((i = index(s, from)) > 0) { out = out substr(s, 1, i - 1) to; s = substr(s, i + length(from)) }
    return out s
}
function plain(s) {  # control characters out (colours of a test's output), \001 as newline
    gsub(/\033\[[0-9;]*[A-Za-z]/, "", s)
    gsub(/\001/, "\n", s)
    gsub(/[\002-\010\013\014\016-\037\177]/, "", s)
    return s
}
function json(s) {
    s = plain(s)
    s = replace_all(s, "\\", "\\\\"); s = replace_all(s, "\"", "\\\"")
    s = replace_all(s, "\n", "\\n"); s = replace_all(s, "\r", "\\r"); s = replace_all(s, "\t", "\\t")
    return "\"" s "\""
}
function xml(s) {
    s = plain(s)
    s = replace_all(s, "&", "&amp;"); s = replace_all(s, "<", "&lt;"); s = replace_all(s, ">", "&gt;")
    s = replace_all(s, "\"", "&quot;")
    return s
}
function xml_attribute(s) {
    s = xml(s)
    s = replace_all(s, "\n", "&#10;"); s = replace_all(s, "\t", "&#9;"); s = replace_all(s, "\r", "")
    return s
}
function seconds(t) { return sprintf("%.3f", t) }
function count(key, status) { return (key, status) in group_count ? group_count[key, status] : 0 }
function step_label(step) { return step == "other" ? "other tests" : step }

# ---- what every format needs: per group, per chapter and overall
function totals(    c, nn, g, key, failed) {
    all_tests = all_passed = all_failed = all_skipped = all_time = 0
    everything_passed = (nc > 0)
    for (c = 1; c <= nc; c++) {
        nn = chapters[c]
        failed = 0
        ch_tests[nn] = ch_passed[nn] = ch_failed[nn] = ch_skipped[nn] = ch_time[nn] = 0
        for (g = 1; g <= ngroups[nn]; g++) {
            key = nn SUBSEP groups[nn, g]
            ch_tests[nn] += group_rows[key]; ch_passed[nn] += count(key, "passed")
            ch_failed[nn] += count(key, "failed"); ch_skipped[nn] += count(key, "skipped")
            ch_time[nn] += group_time[key]
            if (group_required_failed[key] > 0) failed = 1  # a [bonus] test may fail
        }
        ch_ok[nn] = !failed && ch_tests[nn] > 0
        if (!ch_ok[nn]) everything_passed = 0
        all_tests += ch_tests[nn]; all_passed += ch_passed[nn]; all_failed += ch_failed[nn]
        all_skipped += ch_skipped[nn]; all_time += ch_time[nn]
    }
}
function group_status(key) {
    if (count(key, "failed") > 0) return "failed"
    if (count(key, "skipped") == group_rows[key]) return "skipped"
    return "passed"
}

# ---- JSON
function emit_json(    c, nn, g, key, i, r, asan_last, sep) {
    printf "{\n  \"course\": \"build asyncio from scratch\",\n  \"build\": %s,\n  \"preset\": %s,\n", json(build), json(preset)
    printf "  \"asan\": %s,\n", asan
    printf "  \"compiler\": {\"id\": %s, \"version\": %s, \"path\": %s},\n", json(compiler_id), json(compiler_version), json(compiler_path)
    printf "  \"timestamp\": %s,\n  \"host\": %s,\n  \"passed\": %s,\n", json(timestamp), json(host), everything_passed ? "true" : "false"
    printf "  \"tests\": {\"total\": %d, \"passed\": %d, \"failed\": %d, \"skipped\": %d, \"time\": %s},\n", all_tests, all_passed, all_failed, all_skipped, seconds(all_time)
    printf "  \"chapters\": ["
    for (c = 1; c <= nc; c++) {
        nn = chapters[c]
        asan_last = ENVIRON["COURSE_GRADE_ASAN_" nn]
        printf "%s\n    {\"chapter\": %s, \"name\": %s, \"status\": %s, \"built\": %s,", (c > 1 ? "," : ""), json(nn), json(chapter_name[nn]),
            json(ch_ok[nn] ? "passed" : "failed"), ((nn SUBSEP "build") in group_rows) ? "false" : "true"
        printf " \"last_asan_check\": %s,\n", asan_last == "" ? "null" : json(asan_last)
        printf "     \"tests\": {\"total\": %d, \"passed\": %d, \"failed\": %d, \"skipped\": %d, \"time\": %s},\n", ch_tests[nn], ch_passed[nn], ch_failed[nn], ch_skipped[nn], seconds(ch_time[nn])
        printf "     \"steps\": ["
        for (g = 1; g <= ngroups[nn]; g++) {
            key = nn SUBSEP groups[nn, g]
            printf "%s\n       {\"step\": %s, \"bonus\": %s, \"status\": %s, \"total\": %d, \"passed\": %d, \"failed\": %d, \"skipped\": %d, \"time\": %s,\n        \"tests\": [",
                (g > 1 ? "," : ""), json(groups[nn, g]), group_bonus[key] ? "true" : "false", json(group_status(key)), group_rows[key],
                count(key, "passed"), count(key, "failed"), count(key, "skipped"), seconds(group_time[key])
            for (i = 1; i <= group_rows[key]; i++) {
                r = group_list[key, i]
                printf "%s\n          {\"name\": %s, \"status\": %s, \"detail\": %s, \"time\": %s", (i > 1 ? "," : ""), json(r_name[r]),
                    json(r_status[r]), json(r_detail[r]), seconds(r_time[r])
                printf ", \"bonus\": %s", r_bonus[r] ? "true" : "false"
                if (r_message[r] != "") printf ", \"output\": %s", json(r_message[r])
                printf "}"
            }
            printf "]}"
        }
        printf "]}"
    }
    printf "\n  ]\n}\n"
}

# ---- JUnit XML: a testsuite per chapter and step, a testcase per test
function emit_junit(    c, nn, g, key, i, r, id, bonus) {
    printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    printf "<testsuites name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%s\" timestamp=\"%s\">\n",
        xml_attribute("build asyncio from scratch (" build " build)"), all_tests, all_failed, all_skipped, seconds(all_time), xml_attribute(timestamp)
    id = 0
    for (c = 1; c <= nc; c++) {
        nn = chapters[c]
        for (g = 1; g <= ngroups[nn]; g++) {
            key = nn SUBSEP groups[nn, g]
            bonus = group_bonus[key] ? "true" : "false"
            printf "  <testsuite name=\"%s\" id=\"%d\" package=\"ch%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%s\" timestamp=\"%s\" hostname=\"%s\">\n",
                xml_attribute("ch" nn " " step_label(groups[nn, g])), id++, nn, group_rows[key], count(key, "failed"), count(key, "skipped"),
                seconds(group_time[key]), xml_attribute(timestamp), xml_attribute(host)
            printf "    <properties>\n"
            printf "      <property name=\"chapter\" value=\"%s\"/>\n", xml_attribute(chapter_name[nn])
            printf "      <property name=\"step\" value=\"%s\"/>\n", xml_attribute(groups[nn, g])
            printf "      <property name=\"bonus\" value=\"%s\"/>\n", bonus
            printf "      <property name=\"build\" value=\"%s\"/>\n", xml_attribute(build)
            printf "      <property name=\"preset\" value=\"%s\"/>\n", xml_attribute(preset)
            printf "      <property name=\"asan\" value=\"%s\"/>\n", asan
            printf "      <property name=\"compiler\" value=\"%s\"/>\n", xml_attribute(compiler_id " " compiler_version " (" compiler_path ")")
            if (ENVIRON["COURSE_GRADE_ASAN_" nn] != "")
                printf "      <property name=\"last_asan_check\" value=\"%s\"/>\n", xml_attribute(ENVIRON["COURSE_GRADE_ASAN_" nn])
            printf "    </properties>\n"
            for (i = 1; i <= group_rows[key]; i++) {
                r = group_list[key, i]
                printf "    <testcase name=\"%s\" classname=\"%s\" time=\"%s\"", xml_attribute(r_name[r]),
                    xml_attribute("ch" nn "." groups[nn, g]), seconds(r_time[r])
                if (r_status[r] == "passed") { printf "/>\n"; continue }
                printf ">\n"
                if (r_status[r] == "skipped") printf "      <skipped message=\"%s\"/>\n", xml_attribute(r_detail[r])
                else printf "      <failure message=\"%s\" type=\"%s\">%s</failure>\n", xml_attribute(r_detail[r]),
                    xml_attribute(r_detail[r]), xml(r_message[r])
                printf "    </testcase>\n"
            }
            printf "  </testsuite>\n"
        }
    }
    printf "</testsuites>\n"
}

# ---- Gradescope's results.json: a test per chapter and step, scored by its tests
# (passed or skipped: a point each); a [bonus] test is worth no point, and passing it is
# extra credit.
function emit_gradescope(    c, nn, g, key, i, r, score, max, total, out, mark, sep) {
    total = 0
    printf "{\n  \"tests\": ["
    sep = ""
    for (c = 1; c <= nc; c++) {
        nn = chapters[c]
        for (g = 1; g <= ngroups[nn]; g++) {
            key = nn SUBSEP groups[nn, g]
            score = count(key, "passed") + count(key, "skipped")
            max = group_required[key] + 0
            total += score
            out = ""
            for (i = 1; i <= group_rows[key]; i++) {
                r = group_list[key, i]
                mark = r_status[r] == "passed" ? "✔" : (r_status[r] == "skipped" ? "-" : "✘")
                out = out mark " " r_name[r] " (" sprintf("%.2f", r_time[r]) " s)"
                if (r_status[r] != "passed") out = out ": " r_detail[r]
                if (r_bonus[r]) out = out " (bonus)"
                out = out "\n"
                if (r_message[r] != "") out = out r_message[r] "\n"
            }
            printf "%s\n    {\"name\": %s, \"number\": %s, \"score\": %d, \"max_score\": %d, \"status\": %s, \"visibility\": \"visible\",",
                sep, json("ch" nn " " step_label(groups[nn, g]) (group_bonus[key] ? " (bonus)" : "")), json(nn "." g), score, max,
                json(count(key, "failed") > 0 ? "failed" : "passed")
            printf "\n     \"execution_time\": %s, \"tags\": [%s, %s], \"output\": %s}", seconds(group_time[key]), json("ch" nn), json(groups[nn, g]), json(out)
            sep = ","
        }
    }
    printf "\n  ],\n  \"score\": %d,\n  \"execution_time\": %s,\n", total, seconds(all_time)
    printf "  \"output\": %s,\n", json("The " build " build (" preset " preset), " compiler_id " " compiler_version ", AddressSanitizer " (asan == "true" ? "on" : "off") ": " all_passed " passed, " all_failed " failed, " all_skipped " skipped of " all_tests " tests.")
    printf "  \"visibility\": \"visible\",\n  \"stdout_visibility\": \"visible\"\n}\n"
}

END {
    totals()
    if (format == "json") emit_json()
    else if (format == "junit") emit_junit()
    else if (format == "gradescope") emit_gradescope()
    else { print "grade_report.awk: unknown format " format > "/dev/stderr"; exit 2 }
}
