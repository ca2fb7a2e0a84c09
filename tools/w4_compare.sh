#!/bin/bash
# W4 of the peers' harness with the course's own server beside libuv's and asio's: the
# harness's client (w4_client, a separate epoll process, 64 connections, one 64-byte
# request in flight each) against each server in turn, and the server's CPU time per
# round trip from /proc/PID/stat around every measured session (the 0.5 s warm-up of
# each session runs at the same rate, so it counts as round trips too). Chapter 08 quotes it.
# Needs the peers built first: ../shared/peers/install-peers.sh && ../shared/peers/run-all.sh W4
# Usage: tools/w4_compare.sh   (SECS=3 REPS=3 PEERS=/tmp/peers-build by default)
set -euo pipefail
peers=${PEERS:-/tmp/peers-build}
secs=${SECS:-3}
reps=${REPS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
course_server="$root/build/default/bin/ch08-solution/ch08_w4_server"
[[ -x "$peers/w4_client" ]] || { echo "no $peers/w4_client: build the peers first (see the header)" >&2; exit 1; }
[[ -x "$course_server" ]] || cmake --build "$root/build/default" --target ch08-solution.ch08_w4_server >/dev/null
tick=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

measure() {
    local name=$1 server=$2 port_file pid port
    port_file=$(mktemp)
    "$server" $((reps * (secs + 2) + 10)) >"$port_file" 2>/dev/null &
    pid=$!
    for _ in $(seq 100); do [[ -s "$port_file" ]] && break; sleep 0.1; done
    port=$(head -1 "$port_file")
    rm -f "$port_file"
    "$peers/w4_client" "$name" "$port" 64 64 2 0.5 >/dev/null  # a first session, not counted
    for _ in $(seq "$reps"); do
        local before after result
        before=$(cpu_ticks "$pid")
        result=$("$peers/w4_client" "$name" "$port" 64 64 "$secs" 0.5)
        after=$(cpu_ticks "$pid")
        awk -v name="$name" -v rts="$(awk '{ print $3 }' <<<"$result")" -v ticks=$((after - before)) \
            -v tick="$tick" -v secs="$secs" \
            'BEGIN { printf "%-7s %8.0f round trips/s   server CPU %5.2f us per round trip\n", name, rts, ticks / tick / (rts * (secs + 0.5)) * 1e6 }'
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
measure course "$course_server"
[[ -x "$peers/w4_uv_server" ]] && measure libuv "$peers/w4_uv_server"
[[ -x "$peers/w4_asio_server" ]] && measure asio "$peers/w4_asio_server"
