# syntax=docker/dockerfile:1
# recd in a container: the same binary as the Debian package, because the
# image installs that package. Stage 1 builds recd_<version>_<arch>.deb
# with `make deb` on Debian bookworm; stage 2 installs it on bookworm-slim
# and runs as the package's unprivileged recd user.
#
#   docker build -t recd .
#   docker compose -f deploy/compose.yaml up
#
# UNTESTED on the machine this was written on (no container engine there):
# the package itself is built, installed, run as recd and purged by
# scripts/test-deb, which is what the stages below do.

FROM debian:bookworm AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      gcc make cmake pkg-config git ca-certificates \
      libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev libpq-dev libhiredis-dev \
      libssl-dev libjansson-dev libsystemd-dev debhelper dpkg-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# make deb takes SOURCE_DATE_EPOCH from the last commit: the build context
# must include .git (see .dockerignore), or set SOURCE_DATE_EPOCH.
RUN make deb && cp build-deb/recd_*.deb /recd.deb

FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /recd.deb /tmp/recd.deb
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/recd.deb ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/recd.deb
# Containers are configured through the environment (RECD_*, RECD_*_FILE
# for secrets); the packaged /etc/recd/recd.conf supplies the paths under
# /var/lib/recd. Listening on all interfaces needs authentication
# (RECD_API_TOKEN_FILE, RECD_AUTH or RECD_LINK_SECRET_FILE): recd refuses
# to start otherwise.
ENV RECD_LISTEN=0.0.0.0:8080
# A named volume mounted here starts with this directory's owner and mode.
RUN install -d -o recd -g recd -m 0750 /var/lib/recd/cache
VOLUME ["/var/lib/recd"]
EXPOSE 8080
USER recd
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/recd"]
CMD ["serve"]
