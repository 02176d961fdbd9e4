#!/usr/bin/env bash
# check-config.sh FRAGMENT DOTCONFIG: every option the fragment sets must be
# in .config with the same value (or unset for "# CONFIG_X is not set").
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=check-config
frag=$1
cfg=$2
[ -f "$cfg" ] || die "$cfg missing"
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		sym=${line%%=*}
		if ! grep -qxF "$line" "$cfg"; then
			got=$(grep -E "^($sym=|# $sym is not set)" "$cfg" || echo "absent")
			echo "config: $sym did not stick: wanted '${line#*=}', got '$got'" >&2
			bad=1
		fi
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		if grep -q "^$sym=" "$cfg"; then
			echo "config: $sym did not stick: wanted unset, got '$(grep "^$sym=" "$cfg")'" >&2
			bad=1
		fi
		;;
	esac
done <"$frag"
[ $bad = 0 ] || die "requested config options did not stick (first above) in $cfg"
