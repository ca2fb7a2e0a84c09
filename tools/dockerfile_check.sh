#!/usr/bin/env bash
# Checks the Dockerfile where Docker itself is not available: runs its steps (RUN, COPY,
# ENV, USER, WORKDIR) one by one in a chroot of Debian 12, the image it starts FROM, then
# does what the dev container does after it is made (.devcontainer/devcontainer.json):
# ./course setup clang and ./course doctor as the Dockerfile's user, and it builds and
# tests chapter 00's reference solution there. So the image's set-up is the course's own.
#
# Usage (as root): tools/dockerfile_check.sh CHROOT
#   CHROOT: a fresh `debootstrap --variant=minbase bookworm CHROOT`, which this changes:
#   give it a copy, with --one-file-system: a chroot that has /proc mounted would
#   otherwise copy the host's /proc (cp -a --one-file-system BOOKWORM /tmp/bookworm-docker).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -eq 1 ]] || { echo "usage: $0 CHROOT" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "$0: chroot and mount need root" >&2; exit 2; }
jail=$(cd "$1" && pwd)
[[ $jail != / ]] || { echo "$0: not the root file system" >&2; exit 2; }
grep -q '^VERSION_ID="12"' "$jail/etc/os-release" || { echo "$0: $jail is not Debian 12" >&2; exit 2; }

mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" || true; done
}
trap cleanup EXIT
for m in proc sys dev dev/pts; do
  mkdir -p "$jail/$m"
  mount --bind "/$m" "$jail/$m"
  mounted+=("$jail/$m")
done
cp -L /etc/resolv.conf "$jail/etc/resolv.conf" 2>/dev/null || true

user=root workdir=/ env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
# in_jail USER COMMAND: runs the shell COMMAND in the chroot as USER, with the ENV so far.
in_jail() {
  local who=$1 ids home
  ids=$(awk -F: -v u="$who" '$1 == u { print $3 ":" $4 }' "$jail/etc/passwd")
  home=$(awk -F: -v u="$who" '$1 == u { print $6 }' "$jail/etc/passwd")
  [[ -n $ids ]] || { echo "FAILED: no user '$who' in the image" >&2; exit 1; }
  chroot --userspec="$ids" "$jail" /usr/bin/env -i HOME="$home" USER="$who" "${env[@]}" /bin/bash -c "cd '$workdir' && $2"
}

# The Dockerfile's instructions, continuation lines joined, comments left out.
step=0
while IFS= read -r line; do
  step=$((step + 1))
  instruction=${line%% *} args=${line#* }
  printf '\n=== Dockerfile step %d: %s\n' "$step" "$line"
  case "$instruction" in
    FROM) [[ $args == debian:12 || $args == debian:bookworm ]] || { echo "FAILED: FROM $args, not the chroot's Debian 12" >&2; exit 1; } ;;
    ENV) for kv in $args; do env+=("$kv"); done ;;
    RUN) in_jail "$user" "$args" ;;
    COPY)
      read -r -a parts <<<"$args"
      dest=${parts[-1]}
      for src in "${parts[@]:0:${#parts[@]}-1}"; do
        mkdir -p "$jail$(dirname "$dest")"
        cp -a "$root/$src" "$jail$dest"
      done ;;
    USER) user=$args ;;
    WORKDIR) workdir=$args; mkdir -p "$jail$workdir" ;;
    CMD | LABEL) ;;
    *) echo "FAILED: $0 does not know the instruction $instruction: teach it, or use one it knows" >&2; exit 1 ;;
  esac
done < <(sed -e '/^[[:space:]]*#/d' "$root/Dockerfile" | awk '
  /\\$/ { sub(/\\$/, ""); buffer = buffer $0; next }
  { line = buffer $0; buffer = ""; gsub(/[ \t]+/, " ", line); sub(/^ /, "", line); sub(/ $/, "", line); if (line != "") print line }')

# What the dev container does once it is made, in the course mounted at /workspaces/course.
printf '\n=== the dev container: the course in /workspaces/course, as %s\n' "$user"
rm -rf "$jail/workspaces/course"
mkdir -p "$jail/workspaces/course"
(cd "$root" && git ls-files --cached --others --exclude-standard 2>/dev/null || find . -type f -not -path './build/*' -not -path './.git/*') |
  (cd "$root" && while IFS= read -r f; do [[ -f $f ]] && printf '%s\0' "$f"; done) |
  tar -C "$root" --null -T - -cf - | tar -C "$jail/workspaces/course" -xf -
chroot "$jail" chown -R "$user" /workspaces/course
workdir=/workspaces/course
post=$(sed -n 's/^[[:space:]]*"postCreateCommand":[[:space:]]*"\(.*\)",\{0,1\}[[:space:]]*$/\1/p' "$root/.devcontainer/devcontainer.json")
[[ -n $post ]] || { echo "FAILED: no postCreateCommand in .devcontainer/devcontainer.json" >&2; exit 1; }
# (without its "|| true": here a failing set-up or doctor must fail the check)
post=${post% || true}
printf '=== postCreateCommand: %s\n' "$post"
in_jail "$user" "NO_COLOR=1 $post"
printf '\n=== chapter 00: its reference solution builds and passes its tests in the image\n'
in_jail "$user" "cmake --build build/default --target ch00-solution >/dev/null && cd build/default && ctest -R '^ch00-solution: ' --output-on-failure -j2 >../ctest-ch00.log 2>&1; rc=\$?; grep -E 'tests passed|\*\*\*|Failed' ../ctest-ch00.log; exit \$rc"
printf '\nThe Dockerfile and the dev container set the course up in Debian 12.\n'
