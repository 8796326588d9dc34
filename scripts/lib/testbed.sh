# shellcheck shell=bash
# The molecule test bed on this kind of machine: rootful podman with runc (crun fails
# here), and Debian images built locally from Debian's packages (no registry is
# reachable). Sourced by scripts/test after setup.sh.

WORM_IMAGE_PREFIX=${WORM_IMAGE_PREFIX:-localhost/worm-sftp-test}

# The Debian mirror the host's apt already uses (override with WORM_DEBIAN_MIRROR).
debian_mirror() {
  if [ -n "${WORM_DEBIAN_MIRROR:-}" ]; then echo "$WORM_DEBIAN_MIRROR"; return; fi
  {
    grep -hoP '^URIs:\s*\K\S+/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null
    grep -hoP '^deb\s+(\[[^]]*\]\s+)?\K\S+/debian/?(?=\s)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
  } | head -n 1
}

# Build localhost/worm-sftp-test:<release> from Debian's packages unless it exists.
ensure_image() {
  local release=$1 tag=$WORM_IMAGE_PREFIX:$1 mirror tarball
  podman image exists "$tag" && return 0
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || die "cannot tell which Debian mirror apt uses: set WORM_DEBIAN_MIRROR"
  say "Building test image $tag from $mirror (about 30 s)"
  tarball=$(mktemp /tmp/worm-rootfs.XXXXXX.tar)
  mmdebstrap --quiet --variant=apt \
    --include=python3,systemd,systemd-sysv,openssh-server,e2fsprogs,sudo,incron,acl \
    "$release" "$tarball" "$mirror" || { rm -f "$tarball"; die "mmdebstrap $release failed"; }
  podman import --change 'CMD ["/lib/systemd/systemd"]' "$tarball" "$tag" >/dev/null \
    || { rm -f "$tarball"; die "podman import of $tag failed"; }
  rm -f "$tarball"
}

prepare_testbed() {
  ensure_debian_packages podman runc mmdebstrap containernetworking-plugins iptables openssh-client
  mkdir -p "$WORM_ROOT/.cache"
  printf '[engine]\nruntime = "runc"\n' > "$WORM_ROOT/.cache/containers.conf"
  export CONTAINERS_CONF=$WORM_ROOT/.cache/containers.conf
  ensure_image bookworm
  ensure_image trixie
}
