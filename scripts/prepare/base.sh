#!/usr/bin/env bash
# Install the pinned Debian linux-source-6.12 and write build/base.env with
# the version actually used.  Falls back to the newest 6.12 with a warning.
. "$(dirname "$0")/../lib.sh"

pkg=$(lock_get package)
want=$(lock_get version)
tarball=$(lock_get tarball)
want_sha=$(lock_get sha256)

have=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
if [ "$have" != "$want" ]; then
	SUDO=
	[ "$(id -u)" = 0 ] || SUDO=sudo
	log=$LOGS/apt-base.log
	if apt-cache madison "$pkg" 2>/dev/null | awk '{print $3}' | grep -qxF "$want"; then
		info "installing $pkg=$want"
		$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			--allow-downgrades "$pkg=$want" >"$log" 2>&1 ||
			die "apt-get install $pkg=$want failed (log: $log)"
	elif [ -z "$have" ]; then
		warn "apt no longer offers $pkg=$want; falling back to the newest $pkg"
		$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			"$pkg" >"$log" 2>&1 ||
			die "apt-get install $pkg failed (log: $log)"
	else
		warn "apt no longer offers $pkg=$want; using the installed $have"
	fi
	have=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) ||
		die "$pkg is not installed"
fi
[ -f "$tarball" ] || die "$tarball missing although $pkg $have is installed"

# Hashing 150 MB costs ~0.5 s; cache it by size+mtime.
stamp=$BUILD/base.env
key="$(stat -c '%s-%Y' "$tarball")-$have"
if [ -f "$stamp" ] && grep -qxF "key=$key" "$stamp"; then
	exit 0
fi
sha=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$have" = "$want" ] && [ "$sha" != "$want_sha" ]; then
	die "$tarball: sha256 $sha does not match the pinned $want_sha"
fi
if [ "$have" != "$want" ]; then
	warn "building against $pkg $have (pinned: $want); the series may not apply"
fi
cat >"$stamp" <<EOT
key=$key
package=$pkg
version=$have
sha256=$sha
tarball=$tarball
pinned=$([ "$have" = "$want" ] && echo yes || echo no)
EOT
info "base: $pkg $have"
