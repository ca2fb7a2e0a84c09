# The course's environment, for VS Code dev containers and GitHub Codespaces
# (.devcontainer/devcontainer.json) or by hand:
#   docker build -t asyncio-course . && docker run --rm -it -v "$PWD:/course" -w /course asyncio-course
# The toolchain is installed by the course tool itself (./course setup: the same apt
# packages it installs on any Debian or Ubuntu machine), so this file and the tool cannot
# drift apart. tools/dockerfile_check.sh runs these steps in a Debian 12 chroot.
FROM debian:12

ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8

# What a container needs beyond the course: git for the editor, and a user of one's own
# (uid 1000, which a dev container maps to the host user's) so the files a build writes
# into the mounted course are not root's.
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends ca-certificates git \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 --shell /bin/bash learner

# The compiler, CMake, Ninja, Catch2, fmt, and clang with its sanitizer runtimes (for
# ./course check NN --asan): exactly what `./course setup clang` installs.
COPY course /tmp/course-setup/course
RUN /tmp/course-setup/course setup --install-only clang \
 && rm -rf /tmp/course-setup /var/lib/apt/lists/*

USER learner
CMD ["bash"]
