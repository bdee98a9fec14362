# Shared by scripts/setup, scripts/in-root, scripts/run, scripts/test and scripts/test-session. Sourced, not run.
# shellcheck shell=bash

PADDOCK_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PADDOCK_ROOT=${PADDOCK_ROOT:-/var/tmp/paddock-root}
PADDOCK_MIRROR=${PADDOCK_MIRROR:-http://deb.debian.org/debian}
PADDOCK_SUITE=trixie

# Everything Paddock builds, tests and benchmarks with (Debian 13 package names).
PADDOCK_PACKAGES=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git make file dpkg-dev fakeroot ca-certificates curl binutils
  clang libclang-rt-dev llvm clang-format
  # Qt 6 and KDE frameworks
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-svg-dev qt6-tools-dev qt6-tools-dev-tools
  qt6-l10n-tools libqt6sql6-sqlite qt6-qpa-plugins libqt6svg6 qt6-svg-plugins qt6-image-formats-plugins
  libkf6syntaxhighlighting-dev qtkeychain-qt6-dev
  # other libraries
  libgit2-dev nlohmann-json3-dev libtomlplusplus-dev libcurl4-openssl-dev libssl-dev libllhttp-dev libc-ares-dev libsqlite3-dev sqlite3 zlib1g-dev
  libbenchmark-dev
  # desktop test harness: X server, tray host, screenshots, fonts
  xvfb xauth x11-utils xdotool stalonetray imagemagick fonts-dejavu-core
  # D-Bus and a real Secret Service
  dbus dbus-x11 gnome-keyring libsecret-tools
  # containers
  podman runc netavark aardvark-dns passt fuse-overlayfs uidmap iproute2 iptables nftables
  busybox-static procps debootstrap
  # Docker (dockerd with its containerd, and its CLI to look around), and ACLs for test folders
  docker.io docker-cli containerd acl
  # packaging checks
  desktop-file-utils appstream
  # systemd-analyze, to verify the systemd user unit
  systemd
  # Cedar reference implementation (npm) for later tests and benchmarks
  nodejs npm
  # proxy baseline for later benchmarks
  tinyproxy
  # the fake model API (tests/fake-model-api, tomllib in test_mcp_config) and its certificates
  python3 openssl
  # the reference for cron semantics (the scheduler's differential test)
  python3-cronsim
)

# The unprivileged user that tests on rootless podman run as (tests/on-engine rootless). Not uid
# 1000, so that a test catches code that takes the user for the container's user (uid 1000).
# shellcheck disable=SC2034 # used by the scripts that source this file
PADDOCK_TEST_USER=paddock-tester
PADDOCK_TEST_UID=1500

# The ulimits every engine gives containers by default: each at most the hard limit here (there
# is no CAP_SYS_RESOURCE to raise one), capped at a desktop's usual values. Prints "NOFILE NPROC".
paddock_default_ulimits() {
  local nofile nproc
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  [ "$nproc" = unlimited ] && nproc=1048576
  echo "$((nofile < 65536 ? nofile : 65536)) $((nproc < 32768 ? nproc : 32768))"
}

die() { printf 'paddock: %s\n' "$*" >&2; exit 1; }
note() { [ -n "${PADDOCK_QUIET:-}" ] || printf 'paddock: %s\n' "$*" >&2; }

# Native when this system already is Debian 13 or newer (or has its packages); otherwise a build root.
paddock_native() {
  if [ -n "${PADDOCK_IN_ROOT:-}" ]; then return 0; fi
  case "${PADDOCK_FORCE_ROOT:-}" in 1 | yes | true) return 1 ;; esac
  [ -r /etc/os-release ] || return 1
  # shellcheck disable=SC1091
  . /etc/os-release
  case "${VERSION_CODENAME:-}" in trixie | forky | sid) return 0 ;; esac
  if [ "${ID:-}" = debian ] && [ "${VERSION_ID%%.*}" -ge 13 ] 2>/dev/null; then return 0; fi
  # Another distribution with the same packages (e.g. a recent Ubuntu) works natively too.
  if command -v apt-cache >/dev/null && apt-cache show libkf6syntaxhighlighting-dev >/dev/null 2>&1; then
    return 0
  fi
  return 1
}

# Packages are recorded after a successful install; a changed list triggers another install.
paddock_packages_stamp() { printf '%s\n' "${PADDOCK_PACKAGES[@]}" | sha256sum | cut -d' ' -f1; }

paddock_mount() { # SRC DST [mount options...]
  local src=$1 dst=$2
  shift 2
  mkdir -p "$dst"
  mountpoint -q "$dst" || mount "$@" "$src" "$dst"
}

# A bind mount of a folder that was since deleted and made anew (a clone in the same place) still
# shows the old, empty one: mount it again when it is not the same folder as its source.
paddock_bind_current() { # SRC DST [mount options...]
  local src=$1 dst=$2
  if mountpoint -q "$dst" && [ "$(stat -c %d:%i "$src")" != "$(stat -c %d:%i "$dst" 2>/dev/null)" ]; then
    umount -l "$dst"
  fi
  paddock_mount "$@"
}

# Mounts the build root needs: itself as a mount point (podman wants that), the kernel file
# systems with the cgroup tree, a tmpfs /run, and the repository at the same path as outside.
paddock_root_mounts() {
  local r=$PADDOCK_ROOT
  mountpoint -q "$r" || mount --bind "$r" "$r"
  paddock_mount proc "$r/proc" -t proc
  paddock_mount /sys "$r/sys" --rbind
  paddock_mount /dev "$r/dev" --bind
  paddock_mount /dev/pts "$r/dev/pts" --bind
  paddock_mount /dev/shm "$r/dev/shm" --bind
  # Rootless podman's network (pasta) opens /dev/net/tun, which stock Debian makes
  # 0666; some hosts make it 0600. The build root's /dev is the host's, so this holds until a reboot.
  if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then chmod 0666 /dev/net/tun; fi
  paddock_mount tmpfs "$r/run" -t tmpfs -o mode=755,nosuid,nodev
  mkdir -p "$r/run/lock" "$r/run/user" && chmod 1777 "$r/run/lock"
  paddock_bind_current "$PADDOCK_SRC" "$r$PADDOCK_SRC" --bind
  # The shared folder beside the repository (Cedar conformance tests, design notes), if present.
  if [ -d "$PADDOCK_SRC/../shared" ]; then
    paddock_bind_current "$(cd "$PADDOCK_SRC/../shared" && pwd)" "$r$(cd "$PADDOCK_SRC/.." && pwd)/shared" --bind -o ro
  fi
  cp -L /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
}
