#!/usr/bin/env bash
# System tools some checks and tests use. Xanh starts without them and says which checks
# cannot run; tests that need them skip outside CI and fail inside CI.
#   iputils-ping  ping (ICMP fallback through the `ping` package)
#   fping         ICMP for many targets in one process (preferred)
#   iperf3        throughput check's iperf3 mode
#   prometheus    promtool (metrics/rules checks) and a real Prometheus for scrape tests
#   chromium      the dashboard's end-to-end tests (driven by playwright-core)
#   iproute2 nftables  network-namespace testbed (veth, tc tbf, nft drop)
set -euo pipefail
packages=(iputils-ping fping iperf3 prometheus chromium fonts-dejavu-core iproute2 nftables snmpd snmp)
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${packages[@]}"
# The Debian prometheus package starts a service on install where systemd runs; Xanh's tests
# start their own Prometheus on a free port, so a running one is not needed.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  $SUDO systemctl stop prometheus || true
fi
for tool in ping fping iperf3 promtool chromium; do
  printf '%-10s %s\n' "$tool" "$(command -v "$tool" || echo MISSING)"
done
