#!/usr/bin/env bash
# Command-line tools the tests call (no server): Debian's docker-compose, whose `config -q` checks
# deploy/docker-compose.yml (no Docker engine is needed or started), python3-yaml, which parses deploy/k8s/*.yaml,
# python3-hl7, the HL7 v2 peer of the MLLP listener's tests, and python3-grpcio with python3-protobuf, the independent
# gRPC client of the gRPC tests, prometheus (promtool and a real scraper), python3-jwt (mints test tokens), and Debian's chromium, the browser the dashboard's Playwright tests drive.
#   scripts/test-deps/tools.sh [start|stop]
# start (the default) installs what is missing; stop does nothing. Idempotent.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"

case "${1:-start}" in
  start)
    mkdir -p "$deps_dir"
    command -v docker-compose >/dev/null 2>&1 && /usr/bin/python3 -c "import yaml" 2>/dev/null || apt_install docker-compose python3-yaml
    command -v docker-compose >/dev/null 2>&1 || die "docker-compose is still missing after apt-get install docker-compose"
    # python3-hl7: an independent HL7 v2 implementation (builds ORU^R01, sends it over MLLP, parses the ACK) for tests/hl7.
    /usr/bin/python3 -c "import hl7.client" 2>/dev/null || apt_install python3-hl7
    # python3-grpcio, python3-protobuf: an independent gRPC client for tests/Vigil.Tests/Grpc.
    /usr/bin/python3 -c "import grpc, google.protobuf" 2>/dev/null || apt_install python3-grpcio python3-protobuf
    # prometheus: `promtool check metrics` and a real scrape of /metrics (tests/Vigil.Tests/Observability).
    command -v promtool >/dev/null 2>&1 || apt_install prometheus
    command -v promtool >/dev/null 2>&1 || die "promtool is still missing after apt-get install prometheus"
    # python3-jwt, python3-cryptography: an independent JWT implementation (PyJWT) mints the tokens of tests/Vigil.Tests/Security.
    /usr/bin/python3 -c "import jwt, cryptography" 2>/dev/null || apt_install python3-jwt python3-cryptography
    # chromium: the browser of tests/Vigil.Tests/Dashboard (Playwright drives /usr/bin/chromium; it downloads no browser).
    [ -x /usr/bin/chromium ] || apt_install chromium
    [ -x /usr/bin/chromium ] || die "chromium is still missing after apt-get install chromium"
    ;;
  stop) ;;
  *) die "usage: $0 [start|stop]" ;;
esac
