# The scoreboard of `./course bench` from the records its runs wrote: prints a table per
# workload on stdout, and writes the JSON (variable json) and the SVG plot (variable svg)
# when they are given. Plain POSIX awk (Debian's default is mawk): the driver is bash and a
# bare machine has awk, and everything here is counting, sorting a few numbers and
# printing text, which needs no compiled tool that must build before it can say why a
# build failed.
#
#   awk -f bench/scoreboard.awk -v json=OUT.json -v svg=OUT.svg bench/WORKLOADS.md RECORDS
#
# The first file is bench/WORKLOADS.md: its metrics table (| W2 | `W2-flat` | callbacks/s
# | higher | ...) gives each metric's workload, unit and direction. RECORDS has one record
# a line, tab-separated:
#   meta     KEY VALUE                  date, quick (yes/no), command
#   machine  KEY VALUE                  cores, cpu, memory, kernel, compiler, load, peer:NAME
#   reps     WORKLOAD N
#   run      WORKLOAD PROGRAM REP STATUS SECONDS LOAD_BEFORE LOAD_AFTER   (STATUS ok|failed)
#   sample   WORKLOAD PROGRAM REP RUNTIME METRIC VALUE
#   missing  WORKLOAD RUNTIME WHY
#   failed   WORKLOAD PROGRAM REP WHY STDERR_TAIL           (its lines joined by \001)
# A figure is one (metric, runtime): the median of its samples, their min..max, and for
# every row its ratio (median / the best peer's median, the peers being the rows whose
# name does not start with "course"); "best" follows the metric's direction. Problems in
# the records (a value that is not a number, a metric the workload does not have) are
# printed and kept in the JSON; they do not stop the scoreboard.

BEGIN {
    FS = "\t"
    nmetrics = 0; nworkloads = 0; nproblems = 0; nmissing = 0; nfailed = 0; nruns = 0
    title["W1"] = "context switch"
    title["W2"] = "call_soon: 1,000,000 queued, and a chain of 1,000,000"
    title["W3"] = "200,000 timers over 0..999 ms, half cancelled"
    title["W4"] = "loopback echo, 64 connections x 64 bytes"
    title["W5"] = "thread-safe submission"
    title["W6"] = "gather of 100,000 tasks that sleep(0) once"
}

# ---- bench/WORKLOADS.md: the metrics table
FNR == NR {
    if ($0 !~ /^\| *W[0-9] *\| *`/) next
    n = split($0, cell, "|")
    w = trim(cell[2]); m = trim(cell[3]); gsub(/`/, "", m)
    unit[m] = trim(cell[4]); better[m] = trim(cell[5]); metric_workload[m] = w
    metric_list[++nmetrics] = m
    if (!(w in workload_seen)) { workload_seen[w] = 1; workload_list[++nworkloads] = w }
    next
}

# ---- the records
$1 == "meta" { meta[$2] = $3; next }
$1 == "machine" {
    if (!($2 in machine)) machine_keys[++nmachine] = $2
    machine[$2] = $3
    next
}
$1 == "reps" { reps[$2] = $3; next }
$1 == "run" {
    nruns++
    run_w[nruns] = $2; run_prog[nruns] = $3; run_rep[nruns] = $4; run_status[nruns] = $5
    run_secs[nruns] = $6; run_lb[nruns] = $7; run_la[nruns] = $8
    run_of[$2, $3, $4] = nruns
    asked[$2] = 1
    next
}
$1 == "sample" {
    w = $2; prog = $3; rep = $4; rt = $5; m = $6; v = $7
    if (!(m in unit)) { problem(w, prog " printed a result of metric '" m "', which is not in bench/WORKLOADS.md"); next }
    if (metric_workload[m] != w) { problem(w, prog " printed '" m "', a metric of " metric_workload[m] ", not of " w); next }
    if (v !~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/) { problem(w, prog " printed '" v "' as its " m ": not a number"); next }
    key = m SUBSEP rt
    if (!(key in count)) { rows[m, ++nrows[m]] = rt; programs[key] = prog }
    else if (index(" " programs[key] " ", " " prog " ") == 0) programs[key] = programs[key] " " prog
    count[key]++
    value[key, count[key]] = v + 0
    sample_rep[key, count[key]] = rep
    sample_prog[key, count[key]] = prog
    next
}
$1 == "missing" {
    nmissing++; missing_w[nmissing] = $2; missing_rt[nmissing] = $3; missing_why[nmissing] = $4
    asked[$2] = 1
    next
}
$1 == "failed" {
    nfailed++; failed_w[nfailed] = $2; failed_prog[nfailed] = $3; failed_rep[nfailed] = $4
    failed_why[nfailed] = $5; failed_tail[nfailed] = $6
    asked[$2] = 1
    next
}
NF > 0 { problem("", "unknown record: " $0) }

function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
function problem(w, text) { nproblems++; problem_w[nproblems] = w; problem_text[nproblems] = text }
function is_course(rt) { return rt ~ /^course/ }
function higher(m) { return better[m] == "higher" }
# a better than b in metric m
function beats(m, a, b) { return higher(m) ? a > b : a < b }

# sorts vals[1..n] ascending (insertion sort: a figure has a handful of samples)
function sort_values(vals, n,    i, j, t) {
    for (i = 2; i <= n; i++) {
        t = vals[i]
        for (j = i - 1; j >= 1 && vals[j] > t; j--) vals[j + 1] = vals[j]
        vals[j + 1] = t
    }
}

# numbers as the table shows them: 4 significant digits at most, k/M/G above 10,000
function human(v,    a) {
    a = v < 0 ? -v : v
    if (a >= 1e9) return digits3(v / 1e9) "G"
    if (a >= 1e6) return digits3(v / 1e6) "M"
    if (a >= 1e4) return digits3(v / 1e3) "k"
    if (a == 0) return "0"
    if (a < 1) return sprintf("%.3g", v)
    return digits3(v)
}
function digits3(x,    a) {
    a = x < 0 ? -x : x
    return a >= 100 ? sprintf("%.0f", x) : (a >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x))
}
function ratio_text(r) { return r >= 10 ? sprintf("%.0fx", r) : (r >= 0.1 ? sprintf("%.2fx", r) : sprintf("%.3fx", r)) }
function svg_ratio(r,    t) { t = ratio_text(r); sub(/x$/, "", t); return t "\303\227" }  # "×" in UTF-8
function num(v) { return sprintf("%.6g", v) }

# ---- escaping, by index and substr (gsub gives "&" and "\\" meanings of its own)
function replace_all(s, from, to,    out, i) {
    out = ""
    while ((i = index(s, from)) > 0) { out = out substr(s, 1, i - 1) to; s = substr(s, i + length(from)) }
    return out s
}
function json_string(s,    i, c, out) {
    s = replace_all(s, "\\", "\\\\")
    s = replace_all(s, "\"", "\\\"")
    s = replace_all(s, "\001", "\\n")
    s = replace_all(s, "\t", "\\t")
    s = replace_all(s, "\r", "\\r")
    s = replace_all(s, "\n", "\\n")
    out = ""
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        out = out ((c in control_code) ? sprintf("\\u%04x", control_code[c]) : c)
    }
    return "\"" out "\""
}
function xml(s) {
    s = replace_all(s, "&", "&amp;")
    s = replace_all(s, "<", "&lt;")
    s = replace_all(s, ">", "&gt;")
    return s
}

# ---- the figures
function compute(    i, k, m, rt, key, n, vals, best, have_best, r) {
    for (i = 1; i <= nmetrics; i++) {
        m = metric_list[i]
        have_best = 0
        for (k = 1; k <= nrows[m]; k++) {
            rt = rows[m, k]; key = m SUBSEP rt; n = count[key]
            delete vals
            for (r = 1; r <= n; r++) vals[r] = value[key, r]
            sort_values(vals, n)
            fmin[key] = vals[1]; fmax[key] = vals[n]
            fmed[key] = n % 2 ? vals[(n + 1) / 2] : (vals[n / 2] + vals[n / 2 + 1]) / 2
            fload(key)
            if (!is_course(rt) && (!have_best || beats(m, fmed[key], best))) { best = fmed[key]; best_peer[m] = rt; have_best = 1 }
        }
        if (have_best) best_value[m] = best
        order_rows(m)
    }
}
# the load average over the runs that gave a figure's samples: lowest before, highest after
function fload(key,    r, j, lo, hi) {
    lo = ""; hi = ""
    for (r = 1; r <= count[key]; r++) {
        j = run_of[metric_workload[substr(key, 1, index(key, SUBSEP) - 1)], sample_prog[key, r], sample_rep[key, r]]
        if (j == "") continue
        if (lo == "" || run_lb[j] + 0 < lo + 0) lo = run_lb[j]
        if (hi == "" || run_la[j] + 0 > hi + 0) hi = run_la[j]
    }
    load_lo[key] = lo; load_hi[key] = hi
}
# rows of metric m, best median first
function order_rows(m,    i, j, t, n) {
    n = nrows[m]
    for (i = 1; i <= n; i++) sorted[m, i] = rows[m, i]
    for (i = 2; i <= n; i++) {
        t = sorted[m, i]
        for (j = i - 1; j >= 1 && beats(m, fmed[m SUBSEP t], fmed[m SUBSEP sorted[m, j]]); j--) sorted[m, j + 1] = sorted[m, j]
        sorted[m, j + 1] = t
    }
}
function has_ratio(m, rt) { return (m in best_value) && best_value[m] != 0 }
function ratio(m, rt) { return fmed[m SUBSEP rt] / best_value[m] }
function spread_pct(key) { return fmed[key] == 0 ? 0 : (fmax[key] - fmin[key]) / (fmed[key] < 0 ? -fmed[key] : fmed[key]) * 100 }

# ---- the table
function print_tables(    i, w, k, m, rt, key, line, j, n, shown, t, parts, np) {
    if (machine_line() != "") print "Machine: " machine_line()
    if ("peers" in meta) print "Peers:   " meta["peers"]
    for (i = 1; i <= nworkloads; i++) {
        w = workload_list[i]
        if (!(w in asked)) continue
        print ""
        printf "%s  %s  (%s runs of each program%s)\n", w, title[w], (w in reps ? reps[w] : "?"), meta["quick"] == "yes" ? "; --quick: the figures mean nothing" : ""
        shown = 0
        for (k = 1; k <= nmetrics; k++) {
            m = metric_list[k]
            if (metric_workload[m] != w || nrows[m] == 0) continue
            shown++
            printf "  %s  (%s, %s is better)\n", m, unit[m], better[m]
            printf "    %-20s %10s  %-24s %-22s %s\n", "runtime", "median", "min..max (spread)", "ratio to best peer", "load average"
            for (j = 1; j <= nrows[m]; j++) {
                rt = sorted[m, j]; key = m SUBSEP rt
                line = sprintf("%s..%s (%s)", human(fmin[key]), human(fmax[key]), spread_pct(key) > 999 ? ">999%" : sprintf("%.0f%%", spread_pct(key)))
                if (!has_ratio(m, rt)) t = "(no peer measured)"
                else if (rt == best_peer[m]) t = "best peer"
                else t = ratio_text(ratio(m, rt)) " " best_peer[m]
                printf "  %s %-20s %10s  %-24s %-22s %s\n", is_course(rt) ? "*" : " ", rt, human(fmed[key]), line, t,
                    load_lo[key] == "" ? "?" : load_lo[key] ".." load_hi[key]
            }
        }
        if (!shown) print "  (no figures)"
        for (j = 1; j <= nmissing; j++)
            if (missing_w[j] == w) printf "  not measured: %s: %s\n", missing_rt[j], missing_why[j]
        for (j = 1; j <= nfailed; j++) {
            if (failed_w[j] != w) continue
            printf "  FAILED: %s, run %s: %s\n", failed_prog[j], failed_rep[j], failed_why[j]
            np = split(failed_tail[j], parts, "\001")
            for (n = 1; n <= np; n++) if (parts[n] != "") printf "      | %s\n", parts[n]
        }
        for (j = 1; j <= nproblems; j++) if (problem_w[j] == w) printf "  PROBLEM: %s\n", problem_text[j]
    }
    for (j = 1; j <= nproblems; j++) if (problem_w[j] == "") printf "PROBLEM: %s\n", problem_text[j]
    print ""
    print "(* the course's rows. ratio = median / the best peer's median, in the metric's unit: above 1 is"
    print " better where higher is better, below 1 where lower is. spread = (max - min) / median.)"
}
function machine_line(    s) {
    s = ""
    if ("cores" in machine) s = machine["cores"] " cores"
    if ("cpu" in machine) s = s ", " machine["cpu"]
    if ("memory" in machine) s = s ", " machine["memory"]
    if ("kernel" in machine) s = s ", " machine["kernel"]
    if ("compiler" in machine) s = s ", " machine["compiler"]
    sub(/^, /, "", s)
    return s
}

# ---- the JSON
function write_json(    i, k, j, r, m, rt, key, sep, sep2, w) {
    printf "{\n  \"schema\": 1,\n  \"date\": %s,\n  \"quick\": %s,\n  \"command\": %s,\n", json_string(meta["date"]),
        meta["quick"] == "yes" ? "true" : "false", json_string(meta["command"]) > json
    printf "  \"machine\": {" > json
    sep = ""
    for (i = 1; i <= nmachine; i++) { printf "%s\n    %s: %s", sep, json_string(machine_keys[i]), json_string(machine[machine_keys[i]]) > json; sep = "," }
    printf "\n  },\n  \"workloads\": [" > json
    sep = ""
    for (i = 1; i <= nworkloads; i++) {
        w = workload_list[i]
        if (!(w in asked)) continue
        printf "%s\n    {\"workload\": %s, \"title\": %s, \"reps\": %s}", sep, json_string(w), json_string(title[w]), (w in reps ? reps[w] + 0 : "null") > json
        sep = ","
    }
    printf "\n  ],\n  \"figures\": [" > json
    sep = ""
    for (i = 1; i <= nmetrics; i++) {
        m = metric_list[i]
        for (j = 1; j <= nrows[m]; j++) {
            rt = sorted[m, j]; key = m SUBSEP rt
            printf "%s\n    {\"workload\": %s, \"metric\": %s, \"unit\": %s, \"better\": %s, \"runtime\": %s, \"course\": %s,", sep,
                json_string(metric_workload[m]), json_string(m), json_string(unit[m]), json_string(better[m]), json_string(rt),
                is_course(rt) ? "true" : "false" > json
            printf "\n     \"median\": %s, \"min\": %s, \"max\": %s, \"spread_percent\": %s, \"samples\": [", num(fmed[key]), num(fmin[key]),
                num(fmax[key]), num(spread_pct(key)) > json
            sep2 = ""
            for (r = 1; r <= count[key]; r++) { printf "%s%s", sep2, num(value[key, r]) > json; sep2 = ", " }
            printf "], \"programs\": %s,", json_string(programs[key]) > json
            printf "\n     \"best_peer\": %s, \"ratio_to_best_peer\": %s, \"load_min\": %s, \"load_max\": %s}",
                (m in best_peer) ? json_string(best_peer[m]) : "null", has_ratio(m, rt) ? num(ratio(m, rt)) : "null",
                load_lo[key] == "" ? "null" : num(load_lo[key]), load_hi[key] == "" ? "null" : num(load_hi[key]) > json
            sep = ","
        }
    }
    printf "\n  ],\n  \"runs\": [" > json
    sep = ""
    for (i = 1; i <= nruns; i++) {
        printf "%s\n    {\"workload\": %s, \"program\": %s, \"rep\": %d, \"status\": %s, \"seconds\": %s, \"load_before\": %s, \"load_after\": %s}", sep,
            json_string(run_w[i]), json_string(run_prog[i]), run_rep[i], json_string(run_status[i]), num(run_secs[i]),
            num(run_lb[i]), num(run_la[i]) > json
        sep = ","
    }
    printf "\n  ],\n  \"missing\": [" > json
    sep = ""
    for (i = 1; i <= nmissing; i++) {
        printf "%s\n    {\"workload\": %s, \"runtime\": %s, \"why\": %s}", sep, json_string(missing_w[i]), json_string(missing_rt[i]),
            json_string(missing_why[i]) > json
        sep = ","
    }
    printf "\n  ],\n  \"failed\": [" > json
    sep = ""
    for (i = 1; i <= nfailed; i++) {
        printf "%s\n    {\"workload\": %s, \"program\": %s, \"rep\": %d, \"why\": %s, \"stderr_tail\": %s}", sep, json_string(failed_w[i]),
            json_string(failed_prog[i]), failed_rep[i], json_string(failed_why[i]), json_string(failed_tail[i]) > json
        sep = ","
    }
    printf "\n  ],\n  \"problems\": [" > json
    sep = ""
    for (i = 1; i <= nproblems; i++) { printf "%s\n    %s", sep, json_string(problem_text[i]) > json; sep = "," }
    printf "\n  ]\n}\n" > json
    close(json)
}

# ---- the SVG: one panel per metric, two columns; in each a bar per runtime whose length is
# its speed relative to the best row of that metric (best median / median where lower is
# better, median / best where higher is), so a longer bar is always better and every metric
# reads the same way; the median and, for the course's rows, the ratio to the best peer
# are written after the bar. 800 px wide: a lesson's width.
function write_svg(    i, k, m, rt, key, col, x0, y, rowh, panel_h, rowtop, colh, best_all, g, len, label, text, W, labelw, barw, used, miss, j, h, out) {
    W = 800; labelw = 146; barw = 136; rowh = 17
    # the best of each metric, over every row
    used = 0
    for (i = 1; i <= nmetrics; i++) if (nrows[metric_list[i]] > 0) panel[++used] = metric_list[i]
    y = 92
    colh[0] = 0; colh[1] = 0
    out = ""
    for (k = 1; k <= used; k++) {
        m = panel[k]
        col = (k - 1) % 2
        if (col == 0 && k > 1) { y += (colh[0] > colh[1] ? colh[0] : colh[1]) + 14; colh[0] = 0; colh[1] = 0 }
        x0 = col * (W / 2) + 10
        best_all = fmed[m SUBSEP sorted[m, 1]]
        out = out sprintf("<text x=\"%d\" y=\"%d\" class=\"metric\">%s <tspan class=\"unit\">%s, %s is better</tspan></text>\n", x0, y + 12,
            xml(m), xml(unit[m]), better[m])
        rowtop = y + 20
        for (j = 1; j <= nrows[m]; j++) {
            rt = sorted[m, j]; key = m SUBSEP rt
            if (fmed[key] == 0 || best_all == 0) g = higher(m) ? (best_all == 0 ? 1 : 0) : (fmed[key] == 0 ? 1 : 0)
            else g = higher(m) ? fmed[key] / best_all : best_all / fmed[key]
            if (g < 0) g = 0
            len = g * barw
            if (len < 1) len = 1
            h = rowtop + (j - 1) * rowh
            out = out sprintf("<text x=\"%d\" y=\"%d\" class=\"%s\" text-anchor=\"end\">%s</text>\n", x0 + labelw - 6, h + 12,
                is_course(rt) ? "label course" : "label", xml(rt))
            out = out sprintf("<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" class=\"%s\"/>\n", x0 + labelw, h + 2, len, rowh - 4,
                is_course(rt) ? "bar course" : "bar")
            text = human(fmed[key])
            if (is_course(rt) && has_ratio(m, rt)) text = text " \302\267 " svg_ratio(ratio(m, rt))  # " · "
            out = out sprintf("<text x=\"%.1f\" y=\"%d\" class=\"%s\">%s</text>\n", x0 + labelw + len + 4, h + 12,
                is_course(rt) ? "value course" : "value", xml(text))
        }
        colh[col] = 20 + nrows[m] * rowh
    }
    y += (colh[0] > colh[1] ? colh[0] : colh[1]) + 10
    miss = ""
    for (j = 1; j <= nmissing; j++) if (index(", " miss ", ", ", " missing_rt[j] ", ") == 0) miss = miss (miss == "" ? "" : ", ") missing_rt[j]
    if (miss != "") { out = out sprintf("<text x=\"10\" y=\"%d\" class=\"note\">Not measured here: %s.</text>\n", y + 12, xml(miss)); y += 18 }
    if (nfailed > 0) { out = out sprintf("<text x=\"10\" y=\"%d\" class=\"note\">%d run(s) failed: see scoreboard.json.</text>\n", y + 12, nfailed); y += 18 }
    y += 8
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Verdana, sans-serif\">\n", W, y, W, y > svg
    printf "<style>\n" > svg
    printf "  .title { font-size: 17px; font-weight: bold; fill: #222; }\n  .sub { font-size: 12px; fill: #444; }\n" > svg
    printf "  .metric { font-size: 13px; font-weight: bold; fill: #222; }\n  .unit { font-weight: normal; fill: #555; }\n" > svg
    printf "  .label { font-size: 12px; fill: #333; }\n  .label.course { font-weight: bold; fill: #a34400; }\n" > svg
    printf "  .bar { fill: #8aa4c8; }\n  .bar.course { fill: #e8741a; }\n" > svg
    printf "  .value { font-size: 11.5px; fill: #333; }\n  .value.course { font-weight: bold; fill: #a34400; }\n  .note { font-size: 12px; fill: #555; }\n</style>\n" > svg
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n" > svg
    printf "<text x=\"10\" y=\"24\" class=\"title\">The scoreboard: the course's runtime (orange) beside its peers</text>\n" > svg
    printf "<text x=\"10\" y=\"44\" class=\"sub\">A bar is a runtime's speed relative to the best of its metric: the longer, the better. Medians of separate runs;</text>\n" > svg
    printf "<text x=\"10\" y=\"60\" class=\"sub\">%s</text>\n", xml("after a course bar: its ratio to the best peer (its median / the peer's median)." (meta["quick"] == "yes" ? " --quick: these figures mean nothing." : "")) > svg
    printf "<text x=\"10\" y=\"76\" class=\"sub\">%s</text>\n", xml(substr(meta["date"], 1, 10) ": " machine_line()) > svg
    printf "%s</svg>\n", out > svg
    close(svg)
}

END {
    # the other control characters, as \u escapes in JSON (\001, a stderr tail's line
    # break, is replaced by \n before these are looked at)
    for (i = 1; i < 32; i++) control_code[sprintf("%c", i)] = i
    compute()
    print_tables()
    if (json != "") write_json()
    if (svg != "") write_svg()
}
