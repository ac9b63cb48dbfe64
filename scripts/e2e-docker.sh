#!/bin/sh
# e2e-docker.sh — `make e2e-docker`: the Docker engine end-to-end tests.
#
# They push and pull through the real docker CLI and a private dockerd that
# the tests start themselves (in a private mount namespace; see
# internal/registrytest/dockerd), so they need Linux, root and dockerd.
# They run only when a Docker daemon answers `docker info`; otherwise this
# says SKIPPED, loudly, and exits 0 — never a silent pass.
set -eu

cd "$(dirname "$0")/.."

if ! out=$(timeout 60 docker info --format '{{.ServerVersion}}' 2>&1); then
	echo "SKIPPED: no Docker daemon (docker info: $(printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | head -n 1))"
	echo "SKIPPED: the Docker engine end-to-end tests did not run"
	exit 0
fi
echo "Docker daemon answers (server $out); running the Docker engine end-to-end tests"

ECRLOGIN_E2E_DOCKER=1 exec go test -race -count=1 -v \
	-run '^(TestDockerEngine|TestPrivateDaemon|TestDemoWithEngine)$' \
	./e2e/ ./internal/registrytest/dockerd/ ./internal/demo/
