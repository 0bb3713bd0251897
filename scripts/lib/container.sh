# Sourced by scripts/prove-systemd.sh: a minimal Debian 12 root booted with
# systemd-nspawn on a host that may not run systemd itself (no machined, no
# machinectl), entered with nsenter on the container's PID 1.
#
# The root is debootstrapped once into $PROOF_CACHE and reused read-only: each run
# boots an overlay of it, so runs start from the same pristine system and the cache
# never changes. The container has no network (--private-network): what the proof
# installs from Debian is in the root already, and its port 8080 and Redis's 6379
# cannot collide with anything on the host.

: "${PROOF_CACHE:=/var/cache/superset-websocket-ci}"
: "${DEBIAN_MIRROR:=http://deb.debian.org/debian}"
ROOT_SUITE=bookworm
# The package's Depends (libc6, libhiredis0.14, libssl3, libsystemd0, systemd for
# sysusers) and what the proof runs inside: redis-server, curl, dbus for
# systemd-analyze.
ROOT_INCLUDE=systemd,systemd-sysv,dbus,redis-server,libhiredis0.14,libssl3,curl

log() { printf '%s\n' "$*" >&2; }

# Polls "$@" every 0.2 s until it succeeds; fails after $1 seconds.
wait_until() {
  local timeout=$1
  shift
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# Prints the path of the cached root, debootstrapping it first when missing. The
# directory's name carries a hash of what it contains, so a changed include list
# makes a new root instead of silently reusing an old one.
cached_root() {
  local key root
  key=$(printf '%s %s %s' "$ROOT_SUITE" "$ROOT_INCLUDE" "$DEBIAN_MIRROR" | sha256sum | cut -c1-12)
  root="$PROOF_CACHE/$ROOT_SUITE-$key"
  mkdir -p "$PROOF_CACHE"
  # One debootstrap at a time: a concurrent run waits for this one's root (the lock is
  # released when this function's subshell exits).
  exec {lock}>"$PROOF_CACHE/.lock"
  flock -w 900 "$lock" || return 1
  if [ ! -x "$root/usr/lib/systemd/systemd" ]; then
    log "debootstrapping $ROOT_SUITE into $root (cached for later runs)"
    rm -rf "$root.tmp"
    timeout 900 debootstrap --variant=minbase --include="$ROOT_INCLUDE" \
      "$ROOT_SUITE" "$root.tmp" "$DEBIAN_MIRROR" >"$PROOF_CACHE/debootstrap.log" 2>&1 \
      || { tail -20 "$PROOF_CACHE/debootstrap.log" >&2; return 1; }
    # Nothing in the root may depend on the machine it was made on.
    rm -f "$root.tmp/etc/machine-id" "$root.tmp/var/lib/dbus/machine-id"
    mv "$root.tmp" "$root"
  fi
  printf '%s\n' "$root"
}

# container_boot ROOT WORKDIR: boots an overlay of ROOT and sets CT_LEADER (the
# container's PID 1 as the host sees it) and CT_NSPAWN.
container_boot() {
  local root=$1 work=$2
  CT_WORK=$work
  mkdir -p "$work/upper" "$work/overlay-work" "$work/merged"
  mount -t overlay overlay \
    -o "lowerdir=$root,upperdir=$work/upper,workdir=$work/overlay-work" "$work/merged"
  CT_ROOT=$work/merged
  CT_MOUNTED=1
  # Without a host systemd, nspawn cannot ask for a scope of its own: --keep-unit
  # makes it use the cgroup it runs in, so it runs in one made for this run.
  CT_CGROUP=""
  if [ ! -d /run/systemd/system ]; then
    CT_CGROUP=superset-websocket-proof-$$
  fi
  (
    if [ -n "$CT_CGROUP" ]; then
      for hierarchy in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified /sys/fs/cgroup; do
        [ -f "$hierarchy/cgroup.procs" ] || continue
        mkdir -p "$hierarchy/$CT_CGROUP"
        echo "$BASHPID" >"$hierarchy/$CT_CGROUP/cgroup.procs"
      done
    fi
    exec systemd-nspawn --boot --quiet --register=no --keep-unit --private-network \
      --console=passive --machine=swsproof -D "$CT_ROOT" </dev/null
  ) >"$work/nspawn.log" 2>&1 &
  CT_NSPAWN=$!
  CT_LEADER=""
  find_leader() {
    CT_LEADER=$(awk -v parent="$CT_NSPAWN" '$4 == parent { print $1 }' /proc/[0-9]*/stat 2>/dev/null | head -n1)
    [ -n "$CT_LEADER" ] && [ "$(cat "/proc/$CT_LEADER/comm" 2>/dev/null)" = systemd ]
  }
  wait_until 30 find_leader || { cat "$work/nspawn.log" >&2; return 1; }
  booted() {
    case $(ct systemctl is-system-running 2>/dev/null) in
      running | degraded) return 0 ;;
      *) return 1 ;;
    esac
  }
  wait_until 90 booted || { ct systemctl --failed --no-pager >&2 || true; return 1; }
}

# ct CMD...: runs CMD inside the container (all its namespaces) with a clean
# environment: nothing of the host's (JWT_SECRET, REDIS_*, …) may reach the binary.
ct() {
  nsenter -t "$CT_LEADER" -a -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 "$@"
}

# ct_net CMD...: runs a host program (curl) in the container's network namespace only.
ct_net() {
  nsenter -t "$CT_LEADER" -n -- "$@"
}

# Always: power the container off (SIGKILL if it does not stop in time), unmount, and
# remove what this run made. Idempotent.
container_teardown() {
  if [ -n "${CT_NSPAWN:-}" ] && kill -0 "$CT_NSPAWN" 2>/dev/null; then
    # nspawn turns SIGTERM into an orderly shutdown of the container's systemd.
    kill -TERM "$CT_NSPAWN" 2>/dev/null || true
    if ! wait_until 30 eval '! kill -0 "$CT_NSPAWN" 2>/dev/null'; then
      log "container did not stop in 30 s: SIGKILL"
      kill -KILL "$CT_NSPAWN" 2>/dev/null || true
      [ -n "${CT_LEADER:-}" ] && kill -KILL "$CT_LEADER" 2>/dev/null || true
    fi
    wait "$CT_NSPAWN" 2>/dev/null || true
  fi
  CT_NSPAWN=""
  if [ -n "${CT_CGROUP:-}" ]; then
    for hierarchy in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified /sys/fs/cgroup; do
      local dir="$hierarchy/$CT_CGROUP"
      [ -d "$dir" ] || continue
      # Anything the container left behind, then the (now empty) cgroups, deepest first.
      [ -f "$dir/cgroup.kill" ] && echo 1 >"$dir/cgroup.kill" 2>/dev/null || true
      wait_until 10 eval "[ -z \"\$(find '$dir' -name cgroup.procs -exec cat {} + 2>/dev/null)\" ]" || true
      find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
    CT_CGROUP=""
  fi
  if [ -n "${CT_MOUNTED:-}" ]; then
    umount "$CT_ROOT" 2>/dev/null || umount -l "$CT_ROOT" 2>/dev/null || true
    CT_MOUNTED=""
  fi
  [ -n "${CT_WORK:-}" ] && rm -rf "$CT_WORK"
  CT_WORK=""
}
