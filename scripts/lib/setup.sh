# shellcheck shell=bash
# Set-up shared by scripts/provision and scripts/test: idempotent, each step says
# what it does and what to do when it cannot. Sourced, not run.

WORM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORM_VENV=${WORM_VENV:-$WORM_ROOT/.venv}
WORM_PYTHON=${WORM_PYTHON:-python3}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Install Debian packages that are missing (apt-get; needs root).
ensure_debian_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get here: install them by hand"
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages ${missing[*]}: run as root, or install them first"
  say "Installing Debian packages: ${missing[*]}"
  apt-get update -qq || die "apt-get update failed: check the apt sources"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

# A virtualenv with the pinned requirements; re-installed only when a requirements file changes.
ensure_venv() {
  local reqs=$1 stamp want
  "$WORM_PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$WORM_PYTHON is older than 3.11: set WORM_PYTHON to a newer interpreter"
  want=$(cat "$reqs" "$WORM_ROOT/requirements.txt" | sha256sum | cut -d' ' -f1)
  stamp=${reqs#"$WORM_ROOT"/}
  stamp="$WORM_VENV/.installed-${stamp//\//_}"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
  say "Preparing $WORM_VENV from $reqs"
  [ -x "$WORM_VENV/bin/python" ] || "$WORM_PYTHON" -m venv "$WORM_VENV" \
    || die "cannot create a virtualenv: install python3-venv"
  "$WORM_VENV/bin/pip" install -q --disable-pip-version-check -r "$reqs" \
    || die "pip install -r $reqs failed: is PyPI reachable?"
  echo "$want" > "$stamp"
}

# Make the checkout the collection Ansible finds as worm.sftp (a symlink in the
# default user collections path), so FQCNs work from anywhere on this machine.
ensure_collection_link() {
  local base=${HOME}/.ansible/collections/ansible_collections/worm
  local link=$base/sftp
  if [ -e "$link" ] && [ ! -L "$link" ]; then
    # An installed copy (ansible-galaxy, or molecule when the link was missing): keep it, aside.
    grep -qs '"namespace": *"worm"' "$link/MANIFEST.json" \
      || die "$link is a directory that is not an installed worm.sftp: move it away so this checkout can take its place"
    local aside
    aside=${HOME}/.ansible/worm.sftp.replaced-$(date +%s)
    say "Moving the installed copy $link aside to $aside"
    mv "$link" "$aside"
  fi
  if [ "$(readlink "$link" 2>/dev/null)" != "$WORM_ROOT" ]; then
    mkdir -p "$base"
    ln -sfn "$WORM_ROOT" "$link"
    say "Linked $link -> $WORM_ROOT"
  fi
}

activate_venv() {
  # shellcheck disable=SC1091
  . "$WORM_VENV/bin/activate"
}
