#!/usr/bin/env bash
# Installs what drctl's demo and tests need, only when it is missing: Debian packages (MariaDB
# server, client and backup tools, mydumper, zstd, age, cron; faketime, for the clock fault cases;
# chromium, which renders the evidence report in the tests; openssh-server, whose sshd the SFTP
# repository tests start on a loopback port; rclone, the bare tool the copy benchmark compares
# drctl copy with; node_exporter, which the metrics test starts to serve drctl's textfile, and
# promtool, from the prometheus package, which checks the metrics and the documented alert rules),
# then node modules with `npm ci`.
# Safe to run again: a machine that has everything is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin:/sbin"

# command → Debian package that provides it
declare -A PROVIDES=(
  [mariadbd]=mariadb-server
  [mariadb-install-db]=mariadb-server
  [mariadb]=mariadb-client
  [mariadb-dump]=mariadb-client
  [mysqlbinlog]=mariadb-client
  [my_print_defaults]=mariadb-client
  [mariadb-backup]=mariadb-backup
  [mydumper]=mydumper
  [zstd]=zstd
  [age]=age
  [crontab]=cron
  [flock]=util-linux
  [faketime]=faketime
  [chromium]=chromium
  [sshd]=openssh-server
  [ssh-keygen]=openssh-client
  [rclone]=rclone
  [prometheus-node-exporter]=prometheus-node-exporter
  [promtool]=prometheus
)
missing=()
for cmd in "${!PROVIDES[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${PROVIDES[$cmd]}")
done
# real MySQL and MariaDB binlog bytes for the binlog reader's tests (MariaDB's own test data)
[ -e /usr/share/mysql/mysql-test/std_data/mdev35643_mysql_80_binlog.000001 ] || missing+=(mariadb-test-data)
if ((${#missing[@]})); then
  mapfile -t pkgs < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "drctl: installing Debian packages: ${pkgs[*]}" >&2
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "drctl: need root (or sudo) to apt-get install ${pkgs[*]}" >&2; exit 1; }
    SUDO=(sudo)
  fi
  # The packages' scripts would start a system-wide MariaDB (port 3306) and cron; drctl's tests
  # and demo start their own on temp dirs, so keep the machine's services out of it.
  policy=/usr/sbin/policy-rc.d
  added_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
    "${SUDO[@]}" chmod 755 "$policy"
    added_policy=1
  fi
  trap '[ "$added_policy" = 1 ] && "${SUDO[@]}" rm -f "$policy"' EXIT
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "drctl: installing node modules (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
