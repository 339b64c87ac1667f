#!/usr/bin/env bash
# Installs what the tests need (Debian packages, as root) and runs the whole suite:
#   ./test.sh [extra dotnet test args…]     e.g. ./test.sh --filter FullyQualifiedName~Infrastructure
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the end-to-end tests and bench/ drive (real OpenSSH client/server, TOTP, asyncssh, Chromium for the admin web tests,
# PostgreSQL for the store contract tests, the interop matrix's PuTTY, Dropbear, Go x/crypto/ssh and libssh2 clients,
# AFL++ for the fuzz regression run, ssh-audit for the algorithm grading, …).
packages=(openssh-server openssh-client oathtool tmux python3-asyncssh python3-paramiko libssl-dev hyperfine procps dnsutils chromium systemd sqlite3 gcc postgresql
          putty-tools dropbear-bin golang-go golang-golang-x-crypto-dev libssh2-1-dev afl++ ssh-audit)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "test.sh: missing Debian packages: ${missing[*]}" >&2
    echo "test.sh: run as root, or install them first: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "test.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y "${packages[@]}"
fi

# sshd's privilege-separation directory (tests start their own sshd processes).
if [[ ! -d /run/sshd ]]; then
  if [[ $(id -u) -eq 0 ]]; then mkdir -p /run/sshd; else echo "test.sh: /run/sshd missing (needs root)" >&2; exit 1; fi
fi

# A throwaway PostgreSQL cluster on 127.0.0.1:55432 for the PostgreSQL store tests (independent of any distro cluster).
if [[ $(id -u) -ne 0 ]]; then echo "test.sh: the PostgreSQL test cluster needs root (it runs as the postgres user)" >&2; exit 1; fi
tests/postgres.sh start
# shellcheck source=/dev/null
source /tmp/bastion-test-pg/env   # exports BASTION_TEST_POSTGRES (holds the generated password; not printed)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet test Bastion.sln -c Release "$@"

# Fuzz regression: every target 20 s under afl-fuzz, starting from fuzz/corpus (which the dotnet tests above already
# replayed); any crash or hang fails the run. See fuzz/README.md. Part of the whole suite, not of a filtered run.
if (($# == 0)); then
  fuzz/run.sh all 20
else
  echo "test.sh: arguments given, so the fuzz regression run (fuzz/run.sh all 20) is skipped" >&2
fi
