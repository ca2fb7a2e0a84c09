#!/bin/bash
# W4 (64 connections, one 64-byte request in flight each) against chapter 08's echo server
# (sock_recv/sock_sendall: a reader added and removed per read) and chapter 11's on
# streams (one reader per connection), driven by the peers' harness client (w4_client, a
# separate epoll process). For each server: round trips/s and the server's CPU time per
# round trip from /proc/PID/stat around each session, then one more session under
# `perf stat` for its system calls and epoll_ctl calls per round trip. Chapter 11 quotes it.
# Needs w4_client: ../shared/peers/run-all.sh builds it, or
#   g++ -O2 -std=c++17 ../shared/peers/src/w4_client.cpp -o /tmp/peers-build/w4_client
# Usage: tools/w4_streams_compare.sh   (SECS=3 REPS=3 PEERS=/tmp/peers-build by default)
set -euo pipefail
peers=${PEERS:-/tmp/peers-build}
secs=${SECS:-3}
reps=${REPS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/default/bin"
[[ -x "$peers/w4_client" ]] || { echo "no $peers/w4_client: build it first (see the header)" >&2; exit 1; }
cmake --build "$root/build/default" --target ch08-solution.ch08_w4_server ch11-solution.ch11_w4_stream_server >/dev/null
tick=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

start_server() {  # start_server PROGRAM...: sets pid and port
    local port_file
    port_file=$(mktemp)
    "$@" >"$port_file" 2>/dev/null &
    pid=$!
    for _ in $(seq 100); do [[ -s "$port_file" ]] && break; sleep 0.1; done
    port=$(head -1 "$port_file")
    rm -f "$port_file"
}

stop_server() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

measure() {
    local name=$1 server=$2 pid port
    start_server "$server" $((reps * (secs + 2) + 10))
    "$peers/w4_client" "$name" "$port" 64 64 2 0.5 >/dev/null  # a first session, not counted
    for _ in $(seq "$reps"); do
        local before after result
        before=$(cpu_ticks "$pid")
        result=$("$peers/w4_client" "$name" "$port" 64 64 "$secs" 0.5)
        after=$(cpu_ticks "$pid")
        awk -v name="$name" -v rts="$(awk '{ print $3 }' <<<"$result")" -v ticks=$((after - before)) \
            -v tick="$tick" -v secs="$secs" \
            'BEGIN { printf "%-8s %8.0f round trips/s   server CPU %5.2f us per round trip\n", name, rts, ticks / tick / (rts * (secs + 0.5)) * 1e6 }'
    done
    stop_server

    # System calls per round trip: perf counts the server's over one more session (the
    # client's warm-up included, as in the round trips). strace -c -f would count them
    # too, but it slows the server so much that its reads seldom find the socket empty,
    # which hides the very epoll_ctl calls we want to count.
    command -v perf >/dev/null || { echo "$name: no perf here, so no system-call counts" >&2; return 0; }
    local counts result rts
    counts=$(mktemp)
    start_server "$server" $((secs + 10))
    perf stat -x, -e raw_syscalls:sys_enter,syscalls:sys_enter_epoll_ctl -p "$pid" -o "$counts" -- sleep $((secs + 1)) &
    local perf_pid=$!
    sleep 0.2
    result=$("$peers/w4_client" "$name" "$port" 64 64 "$secs" 0.5)
    wait "$perf_pid" || true
    stop_server
    rts=$(awk '{ print $3 * ('"$secs"' + 0.5) }' <<<"$result")
    awk -F, -v name="$name" -v rts="$rts" '
        $3 == "raw_syscalls:sys_enter" { total = $1 } $3 == "syscalls:sys_enter_epoll_ctl" { ctl = $1 }
        END { printf "%-8s %.2f system calls per round trip, %.3f epoll_ctl\n", name, total / rts, ctl / rts }' "$counts"
    rm -f "$counts"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
measure ch08 "$bin/ch08-solution/ch08_w4_server"
measure streams "$bin/ch11-solution/ch11_w4_stream_server"
