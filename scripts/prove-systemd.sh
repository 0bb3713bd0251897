#!/usr/bin/env bash
# The Debian package under a real systemd (Debian 12 in systemd-nspawn): install,
# refuse the placeholder secret, start, serve a WebSocket event of each protocol
# generation (streams and Superset 7's realtime, `both`), survive a stopped
# worker, get watchdog-restarted when the supervisor hangs, reload, refuse a bad
# reload, stop cleanly, refuse a broken config without a restart loop, upgrade
# keeping the operator's config, purge. Every step prints PASS or FAIL; the first
# failure exits non-zero. The container is always torn down.
#
# Usage (root): scripts/prove-systemd.sh dist/superset-websocket_<version>_<arch>.deb
# Artifacts (systemd-analyze security, the unit's journal): $PROOF_ARTIFACTS, default
# dist/proof/.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/container.sh

deb=$(realpath "${1:?usage: $0 PACKAGE.deb}")
[ -f "$deb" ] || { echo "$0: no such package: $deb" >&2; exit 2; }
artifacts=$(realpath -m "${PROOF_ARTIFACTS:-dist/proof}")
mkdir -p "$artifacts"
unit=superset-websocket.service
config=/etc/superset-websocket/config.json
started=$SECONDS

# Each line: the result, seconds since the start, the step, what was seen.
pass() { printf 'PASS %4ds  %-26s %s\n' "$((SECONDS - started))" "$1" "${2:-}"; }
fail() {
  printf 'FAIL %4ds  %-26s %s\n' "$((SECONDS - started))" "$1" "${2:-}"
  if [ -n "${CT_LEADER:-}" ]; then
    log "--- last journal lines of $unit:"
    ct journalctl -u "$unit" --no-pager -n 40 -o short-monotonic >&2 || true
  fi
  exit 1
}
show() { ct systemctl show -P "$1" "$unit"; }
# The supervisor's children: its workers (no procps inside, so from /proc).
# (The glob must expand inside the container, whose /proc shows its own processes.)
workers_of() { ct sh -c "awk '\$4 == $1 { print \$1 }' /proc/[0-9]*/stat 2>/dev/null" | sort -n | paste -sd' '; }
health() { ct_net curl -fsS --max-time 3 -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/health 2>/dev/null; }
journal_since() { ct journalctl -u "$unit" --no-pager -o cat --since "@$1"; }
now() { ct date +%s; }

cleanup() {
  local status=$?
  [ -n "${ws_client:-}" ] && kill "$ws_client" 2>/dev/null
  container_teardown
  log "container torn down"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# A command that fails outside any check (set -e) still says so, as a FAIL line.
trap 'fail "unexpected failure" "line $LINENO: $BASH_COMMAND"' ERR

# --- the root and the container ----------------------------------------------------
root=$(cached_root) || fail "debian root" "debootstrap failed"
pass "debian root" "$root"
work=$(mktemp -d /tmp/superset-websocket-proof.XXXXXX)
container_boot "$root" "$work" || fail "boot" "systemd-nspawn --boot did not reach running"
pass "boot" "systemd $(ct systemctl --version | head -n1 | cut -d' ' -f2) is $(ct systemctl is-system-running) (pid 1 = host pid $CT_LEADER)"

# The packages, copied into the container: the one under test and, for the upgrade,
# the same one with a higher version whose packaged config.json differs.
version=$(dpkg-deb -f "$deb" Version)
mkdir -p "$CT_ROOT/root/pkg" "$work/next"
cp "$deb" "$CT_ROOT/root/pkg/current.deb"
dpkg-deb -R "$deb" "$work/next"
sed -i "s/^Version: .*/Version: $version+proof1/" "$work/next/DEBIAN/control"
sed -i 's/"CHANGE-ME: /"CHANGE-ME (newer package): /' "$work/next/etc/superset-websocket/config.json"
(cd "$work/next" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 md5sum >DEBIAN/md5sums)
dpkg-deb --root-owner-group -Zgzip -z1 -b "$work/next" "$CT_ROOT/root/pkg/next.deb" >/dev/null
pass "packages" "$(basename "$deb") and, for the upgrade, $version+proof1 with a changed config.json"

# --- install -------------------------------------------------------------------------
# The container has no network but loopback, so systemd-networkd-wait-online would hold
# network-online.target, which the unit wants, for its two-minute timeout on the first
# start: here nothing is to come online.
ct systemctl mask --now systemd-networkd-wait-online.service >/dev/null 2>&1
apt_install() {
  ct env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}
install_at=$(now)
apt_install /root/pkg/current.deb redis-server >"$artifacts/apt-install.log" 2>&1 \
  || { cat "$artifacts/apt-install.log" >&2; fail "apt install" "exit status $?"; }
ct test -x /usr/bin/superset-websocket || fail "apt install" "/usr/bin/superset-websocket missing"
pass "apt install" "$(ct dpkg-query -W -f='${Package} ${Version}' superset-websocket) + redis-server"
user=$(ct getent passwd superset-websocket) || fail "sysusers" "no user superset-websocket"
pass "sysusers" "$user"
perms=$(ct stat -c '%a %U:%G' "$config")
[ "$perms" = "640 root:superset-websocket" ] || fail "config permissions" "$perms"
ct dpkg-query -W -f='${Conffiles}' superset-websocket | grep -q " $config " || fail "config permissions" "not a conffile"
pass "config permissions" "$config $perms, a conffile"
[ "$(ct systemctl is-enabled "$unit")" = enabled ] || fail "unit enabled" "$(ct systemctl is-enabled "$unit")"
pass "unit enabled" "$(show FragmentPath)"

# --- the placeholder secret ----------------------------------------------------------
# The package started the service on installation: with the shipped placeholder it
# must have refused with 78 (EX_CONFIG), said why, and not been restarted.
restart_sec=$(($(show RestartUSec | sed 's/s$//')))
no_restart_loop() {
  local invocation=$1 restarts=$2
  # An absence: wait three RestartSec for a restart that must not come.
  sleep $((3 * restart_sec + 1))
  [ "$(show ActiveState)" = failed ] && [ "$(show NRestarts)" = "$restarts" ] && [ "$(show InvocationID)" = "$invocation" ]
}
[ "$(show ActiveState)" = failed ] && [ "$(show ExecMainStatus)" = 78 ] \
  || fail "placeholder refused" "ActiveState=$(show ActiveState) ExecMainStatus=$(show ExecMainStatus)"
message=$(journal_since "$install_at" | grep -m1 'jwtSecret: is still the packaged placeholder') \
  || fail "placeholder refused" "no journal line naming jwtSecret"
no_restart_loop "$(show InvocationID)" "$(show NRestarts)" || fail "placeholder refused" "restarted"
pass "placeholder refused" "status 78, NRestarts=$(show NRestarts), journal: ${message:0:90}…"

# --- configure as an operator would, plus a quick watchdog for this proof --------------
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
ct sed -i \
  -e "s|\"jwtSecret\": \"CHANGE-ME[^\"]*\"|\"jwtSecret\": \"$secret\"|" \
  -e 's|"workerHeartbeatTimeoutMs": 10000|"workerHeartbeatTimeoutMs": 2000|' \
  -e 's|"logToFile": false|"logToFile": true|' "$config"
unset secret
ct superset-websocket check-config --config "$config" >/dev/null 2>"$work/check.err" \
  || { cat "$work/check.err" >&2; fail "configure" "check-config refused the edited file"; }
perms=$(ct stat -c '%a %U:%G' "$config")
[ "$perms" = "640 root:superset-websocket" ] || fail "configure" "editing changed the permissions: $perms"
ct mkdir -p "/etc/systemd/system/$unit.d"
# Shipped: WatchdogSec=30s and TimeoutAbortSec=TimeoutStopSec=30s. Short here, so that
# the watchdog step takes seconds. WEBSOCKET_PROTOCOL=both: both generations are proven.
printf '[Service]\nWatchdogSec=5s\nTimeoutAbortSec=3s\nEnvironment=WEBSOCKET_PROTOCOL=both\n' \
  | ct tee "/etc/systemd/system/$unit.d/proof.conf" >/dev/null
ct systemctl daemon-reload
pass "configure" "real secret (not shown), workerHeartbeatTimeoutMs 2000, logToFile; drop-in WatchdogSec=5s, protocol both"

# --- start -------------------------------------------------------------------------
cpus=$(ct nproc)
ct systemctl start "$unit" || fail "start" "systemctl start failed"
[ "$(show ActiveState)/$(show SubState)" = active/running ] || fail "start" "$(show ActiveState)/$(show SubState)"
status_shows_workers() { show StatusText | grep -q "^$cpus workers"; }
wait_until 10 status_shows_workers || fail "READY=1 and STATUS=" "StatusText=$(show StatusText)"
pass "start" "ActiveState=active, SubState=running, MainPID=$(show MainPID)"
pass "READY=1 and STATUS=" "StatusText=$(show StatusText)"

# --- the sandbox is in force ---------------------------------------------------------
main=$(show MainPID)
uid=$(ct id -u superset-websocket)
proc_status() { ct awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }
for pid in $main $(workers_of "$main"); do
  [ "$(proc_status "$pid" Uid)" = "$uid" ] || fail "sandbox" "pid $pid runs as uid $(proc_status "$pid" Uid)"
  [ "$(proc_status "$pid" CapEff)" = 0000000000000000 ] || fail "sandbox" "pid $pid has capabilities"
  [ "$(proc_status "$pid" CapBnd)" = 0000000000000000 ] || fail "sandbox" "pid $pid bounding set not empty"
  [ "$(proc_status "$pid" NoNewPrivs)" = 1 ] || fail "sandbox" "pid $pid without NoNewPrivs"
  [ "$(proc_status "$pid" Seccomp)" = 2 ] || fail "sandbox" "pid $pid without a seccomp filter"
done
# Inside the service's mount namespace (as root, so only mounts stop a write).
in_service() { ct nsenter -t "$main" -m -- "$@"; }
for path in /etc /usr /var/lib /root; do
  ! in_service touch "$path/.probe" 2>/dev/null || fail "sandbox" "$path writable (ProtectSystem=strict)"
done
for path in /run/superset-websocket /var/log/superset-websocket; do
  in_service touch "$path/.probe" && in_service rm "$path/.probe" || fail "sandbox" "$path not writable"
done
# A different mount (device) or directory (inode) than the container's own.
[ "$(in_service stat -c %d:%i /tmp)" != "$(ct stat -c %d:%i /tmp)" ] || fail "sandbox" "/tmp not private (PrivateTmp)"
[ -n "$(ct ls -A /root)" ] && [ -z "$(in_service ls -A /root)" ] || fail "sandbox" "/root visible (ProtectHome)"
[ "$(in_service stat -c %d:%i /dev)" != "$(ct stat -c %d:%i /dev)" ] && in_service test -c /dev/null \
  || fail "sandbox" "/dev not private (PrivateDevices)"
proc_options=$(in_service findmnt -no OPTIONS /proc)
[[ ",$proc_options," == *,hidepid=invisible,* && ",$proc_options," == *,subset=pid,* ]] \
  || fail "sandbox" "/proc mounted $proc_options (ProtectProc=invisible, ProcSubset=pid)"
# PrivateUsers=: a user namespace that maps only root and the service's own user.
[ "$(ct awk 'END { print NR }' "/proc/$main/uid_map")" -le 2 ] && ! ct grep -q '4294967295' "/proc/$main/uid_map" \
  || fail "sandbox" "uid_map $(ct cat "/proc/$main/uid_map" | tr -s ' \n' ' ') (PrivateUsers)"
pass "sandbox" "uid $uid, no capabilities, NoNewPrivs, seccomp, own user namespace; / read-only, private /tmp and /dev, no /root, /proc hidepid=invisible,subset=pid"

# --- serving ---------------------------------------------------------------------------
code=$(health) && [ "$code" = 200 ] || fail "/health" "HTTP ${code:-none}"
pass "/health" "HTTP 200"

# A browser-shaped client (raw curl upgrade, frames printed as they come) with a valid
# async-token cookie receives an event published the way Superset does it.
websocket_event() {
  local step=$1 channel="proof-$RANDOM$RANDOM" token out="$work/ws-$RANDOM.out"
  token=$(ct superset-websocket dev-token --channel "$channel") || fail "$step" "dev-token failed"
  # stdbuf: curl writes the response headers through stdio, which --no-buffer leaves
  # block-buffered when the output is a file.
  ct_net stdbuf -o0 curl -sS --no-buffer -i --max-time 30 \
    -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H "Cookie: async-token=$token" \
    http://127.0.0.1:8080/ >"$out" 2>&1 &
  ws_client=$!
  upgraded() { grep -q '^HTTP/1.1 101' "$out"; }
  wait_until 10 upgraded || fail "$step" "no 101 Switching Protocols: $(head -c 200 "$out")"
  ct superset-websocket publish --channel "$channel" >/dev/null || fail "$step" "publish failed"
  delivered() { grep -aq "\"channel_id\":\"$channel\"" "$out"; }
  wait_until 10 delivered || fail "$step" "no event for $channel"
  kill "$ws_client" 2>/dev/null
  wait "$ws_client" 2>/dev/null || true
  ws_client=""
  pass "$step" "101, then event $(grep -aoE '\{"id":"[0-9]+-[0-9]+"' "$out" | head -n1 | cut -d'"' -f4) for $channel"
}
websocket_event "websocket event"

# Superset 7's realtime protocol: once /ready says the workers' Pub/Sub subscribers are
# subscribed, a browser-shaped client with a superset-ws-token cookie and a tab id gets
# a task.status PUBLISHed to its tab route, as upstream's server sends it.
ready() { [ "$(ct_net curl -sS --max-time 3 -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/ready 2>/dev/null)" = 200 ]; }
realtime_event() {
  local step=$1 user="proof$RANDOM$RANDOM" token out="$work/rt-$RANDOM.out"
  wait_until 10 ready || fail "$step" "/ready is not 200 (realtime subscriber not subscribed)"
  token=$(ct superset-websocket dev-realtime-token --user "$user") || fail "$step" "dev-realtime-token failed"
  ct_net stdbuf -o0 curl -sS --no-buffer -i --max-time 30 \
    -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H "Cookie: superset-ws-token=$token" \
    "http://127.0.0.1:8080/?tab_id=proof" >"$out" 2>&1 &
  ws_client=$!
  upgraded() { grep -q '^HTTP/1.1 101' "$out"; }
  wait_until 10 upgraded || fail "$step" "no 101 Switching Protocols: $(head -c 200 "$out")"
  ct superset-websocket publish-realtime --scope tab --route "user:$user:proof" \
    --payload "{\"task_id\": \"$user\", \"status\": \"success\"}" >/dev/null || fail "$step" "publish-realtime failed"
  delivered() { grep -aqF "{\"topic\":\"task.status\",\"payload\":{\"task_id\":\"$user\",\"status\":\"success\"}}" "$out"; }
  wait_until 10 delivered || fail "$step" "no task.status for user:$user:proof"
  kill "$ws_client" 2>/dev/null
  wait "$ws_client" 2>/dev/null || true
  ws_client=""
  pass "$step" "/ready 200, 101, then task.status for route user:$user:proof, byte for byte"
}
realtime_event "realtime event"

# --- a hung worker: the supervisor replaces it, the service stays up -------------------
restarts=$(show NRestarts)
before=$(workers_of "$main")
victim=${before%% *}
ct bash -c "kill -STOP $victim"
replaced() {
  local now
  now=$(workers_of "$main")
  [[ " $now " != *" $victim "* ]] && [ "$(wc -w <<<"$now")" = "$cpus" ]
}
wait_until 30 replaced || fail "SIGSTOP a worker" "workers still $(workers_of "$main")"
[ "$(show ActiveState)" = active ] && [ "$(show MainPID)" = "$main" ] && [ "$(show NRestarts)" = "$restarts" ] \
  || fail "SIGSTOP a worker" "ActiveState=$(show ActiveState) MainPID=$(show MainPID) NRestarts=$(show NRestarts)"
[ "$(health)" = 200 ] || fail "SIGSTOP a worker" "/health"
pass "SIGSTOP a worker" "worker $victim replaced: [$before] -> [$(workers_of "$main")], still active, same MainPID"

# --- a hung supervisor: systemd's watchdog kills and restarts the service --------------
restarts=$(show NRestarts)
ct bash -c "kill -STOP $main"
restarted() {
  local pid
  pid=$(show MainPID)
  [ "$(show NRestarts)" -gt "$restarts" ] && [ "$pid" != 0 ] && [ "$pid" != "$main" ] && [ "$(show ActiveState)" = active ]
}
wait_until 45 restarted || fail "SIGSTOP the supervisor" "NRestarts=$(show NRestarts) MainPID=$(show MainPID) $(show ActiveState)"
old_main=$main
main=$(show MainPID)
watchdog_logged() { journal_since "$install_at" | grep -q 'Watchdog timeout'; }
wait_until 10 watchdog_logged || fail "SIGSTOP the supervisor" "no watchdog timeout in the journal"
wait_until 10 status_shows_workers || fail "SIGSTOP the supervisor" "StatusText=$(show StatusText)"
[ "$(health)" = 200 ] || fail "SIGSTOP the supervisor" "/health"
reported=$(ct superset-websocket status --json | grep -o '"supervisorPID":[0-9]*' | cut -d: -f2)
[ "$reported" = "$main" ] || fail "SIGSTOP the supervisor" "status socket answers for pid $reported, not $main"
pass "SIGSTOP the supervisor" "watchdog timeout; NRestarts $restarts -> $(show NRestarts), MainPID $old_main -> $main"
websocket_event "new MainPID serves"

# --- reload ----------------------------------------------------------------------------
before=$(workers_of "$main")
ct systemctl reload "$unit" || fail "systemctl reload" "exit status $?"
reloaded() {
  local now
  now=$(workers_of "$main")
  [ "$(wc -w <<<"$now")" = "$cpus" ] || return 1
  for pid in $now; do [[ " $before " != *" $pid "* ]] || return 1; done
}
wait_until 30 reloaded || fail "systemctl reload" "workers [$before] -> [$(workers_of "$main")]"
[ "$(show ActiveState)" = active ] && [ "$(show MainPID)" = "$main" ] || fail "systemctl reload" "$(show ActiveState) MainPID=$(show MainPID)"
[ "$(health)" = 200 ] || fail "systemctl reload" "/health"
pass "systemctl reload" "new workers [$before] -> [$(workers_of "$main")], same MainPID, still active"

# A reload with a bad config fails, naming the key, and the running workers go on.
ct cp -p "$config" /root/config.good
ct sed -i 's|"port": 8080|"port": "eighty"|' "$config"
before=$(workers_of "$main")
reload_at=$(now)
if ct systemctl reload "$unit" 2>/dev/null; then fail "reload, bad config" "systemctl reload succeeded"; fi
show ExecReload | grep -q 'status=78' || fail "reload, bad config" "ExecReload: $(show ExecReload)"
journal_since "$reload_at" | grep -q '^port: ' || fail "reload, bad config" "no journal line naming port"
[ "$(show ActiveState)" = active ] && [ "$(workers_of "$main")" = "$before" ] && [ "$(health)" = 200 ] \
  || fail "reload, bad config" "$(show ActiveState), workers [$(workers_of "$main")]"
ct cp -p /root/config.good "$config"
pass "reload, bad config" "systemctl reload fails (78, names port); same workers still serve"

# --- stop ------------------------------------------------------------------------------
ct systemctl stop "$unit" || fail "systemctl stop" "exit status $?"
[ "$(show ActiveState)" = inactive ] && [ "$(show Result)" = success ] && [ "$(show ExecMainStatus)" = 0 ] \
  || fail "systemctl stop" "ActiveState=$(show ActiveState) Result=$(show Result) ExecMainStatus=$(show ExecMainStatus)"
left=$(ct sh -c 'grep -l "^superset-websoc" /proc/[0-9]*/comm 2>/dev/null || true')
[ -z "$left" ] || fail "systemctl stop" "processes left: $left"
pass "systemctl stop" "inactive, Result=success, exit status 0, no process left"
lines=$(ct stat -c '%s %U' /var/log/superset-websocket/app.log 2>/dev/null) || fail "log file" "no /var/log/superset-websocket/app.log"
pass "log file" "/var/log/superset-websocket/app.log: $lines (LogsDirectory=, WorkingDirectory=)"

# --- a broken config: fails once with 78, no restart loop --------------------------------
ct sed -i '1s|^{|{ this is not JSON|' "$config"
start_at=$(now)
if ct systemctl start "$unit" 2>/dev/null; then fail "broken config" "started"; fi
[ "$(show ActiveState)" = failed ] && [ "$(show ExecMainStatus)" = 78 ] \
  || fail "broken config" "ActiveState=$(show ActiveState) ExecMainStatus=$(show ExecMainStatus)"
journal_since "$start_at" | grep -q 'is not valid JSON' || fail "broken config" "no journal line saying why"
no_restart_loop "$(show InvocationID)" "$(show NRestarts)" || fail "broken config" "restarted: NRestarts=$(show NRestarts)"
pass "broken config" "status 78, Result=$(show Result), still failed and not restarted after $((3 * restart_sec + 1)) s"
ct cp -p /root/config.good "$config"
ct systemctl reset-failed "$unit"

# --- systemd-analyze security ------------------------------------------------------------
ct systemd-analyze security --no-pager "$unit" >"$artifacts/systemd-analyze-security.txt" 2>&1 || true
score_line=$(grep -m1 'Overall exposure level' "$artifacts/systemd-analyze-security.txt") \
  || { cat "$artifacts/systemd-analyze-security.txt" >&2; fail "systemd-analyze security" "no score"; }
score=$(grep -oE '[0-9]+\.[0-9]+' <<<"$score_line" | head -n1)
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "systemd-analyze security" "$score_line"
pass "systemd-analyze security" "$score_line"

# --- upgrade: the operator's config stays, the running service restarts -----------------
ct systemctl start "$unit" || fail "upgrade" "cannot start before the upgrade"
main=$(show MainPID)
sum=$(ct sha256sum "$config")
apt_install /root/pkg/next.deb >"$artifacts/apt-upgrade.log" 2>&1 || { cat "$artifacts/apt-upgrade.log" >&2; fail "upgrade" "apt failed"; }
new_version=$(ct dpkg-query -W -f='${Version}' superset-websocket)
[ "$new_version" = "$version+proof1" ] || fail "upgrade" "version $new_version"
[ "$(ct sha256sum "$config")" = "$sum" ] || fail "upgrade" "the operator's config.json changed"
ct test -f "$config.dpkg-dist" || fail "upgrade" "the new default was not set aside as config.json.dpkg-dist"
[ "$(ct stat -c '%a %U:%G' "$config")" = "640 root:superset-websocket" ] || fail "upgrade" "permissions $(ct stat -c '%a %U:%G' "$config")"
restarted_after_upgrade() { [ "$(show ActiveState)" = active ] && [ "$(show MainPID)" != "$main" ] && [ "$(show MainPID)" != 0 ]; }
wait_until 20 restarted_after_upgrade || fail "upgrade" "$(show ActiveState), MainPID $(show MainPID) (was $main)"
[ "$(health)" = 200 ] || fail "upgrade" "/health"
pass "upgrade" "$version -> $new_version: config.json kept (new default in .dpkg-dist), restarted: MainPID $main -> $(show MainPID)"

# --- purge ---------------------------------------------------------------------------------
ct env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q superset-websocket >"$artifacts/apt-purge.log" 2>&1 \
  || { cat "$artifacts/apt-purge.log" >&2; fail "purge" "apt failed"; }
for path in /etc/superset-websocket /var/log/superset-websocket /usr/bin/superset-websocket /run/superset-websocket; do
  ! ct test -e "$path" || fail "purge" "$path still there"
done
[ "$(show LoadState)" = not-found ] || fail "purge" "unit still $(show LoadState)"
left=$(ct sh -c 'grep -l "^superset-websoc" /proc/[0-9]*/comm 2>/dev/null || true')
[ -z "$left" ] || fail "purge" "processes left: $left"
pass "purge" "config, logs, binary, unit gone; no process left (the system user stays, as Debian keeps system users)"

ct journalctl -u "$unit" --no-pager -o short-monotonic >"$artifacts/journal.txt" 2>&1 || true
pass "all steps" "in $((SECONDS - started)) s; artifacts in $artifacts"
