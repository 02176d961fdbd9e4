#!/usr/bin/env bash
# Boot a kernel under QEMU TCG (x86_64) and run one guest script.
#
# usage: run-qemu.sh --kernel BZIMAGE --script NAME [options]
#   --kernel FILE      the bzImage to boot (required)
#   --script NAME      guest/NAME, run in the guest by /init (required)
#   --args a,b,c       its arguments, comma separated (no spaces)
#   --mem SIZE         guest memory, QEMU -m syntax (default 1G)
#   --cpus N           guest CPUs (default 2)
#   --disk SIZE        add a fresh sparse scratch disk (repeatable); the guest
#                      sees them as /dev/vda, /dev/vdb, ... in order
#   --ro-disk FILE     add FILE read-only after the scratch disks (repeatable)
#   --hba KIND         add a controller of KIND with a fresh sparse scratch
#                      disk on it (repeatable): ahci (512M, ICH9 AHCI), lsi
#                      (LSI 53c895a), megasas (MegaRAID SAS 1078),
#                      virtio-scsi, usb-storage or uas (on one qemu-xhci),
#                      sd (an SD card on sdhci-pci), 64M each; KIND:SIZE
#                      gives its disk another size (e.g. virtio-scsi:2G).
#                      A guest script that needs some declares them in a
#                      line "# vm-hba: KIND..." of its header, and
#                      extra kernel parameters in "# vm-append: ARGS".
#   --timeout SECONDS  kill QEMU after this long (default 600)
#   --log FILE         serial console log (default $LOGS/qemu-NAME.log)
#   --initrd FILE      use this initramfs instead of building one with
#                      scripts/boot/mk-initramfs.sh
#   --append "ARGS"    extra kernel command line
#   --quiet            do not stream the console to stdout
#
# A guest script declares what its VM needs in one header line,
#   # vm: disks=2G,2G mem=1G cpus=2 timeout=900
# (any of the keys): the defaults of --disk (the whole list), --mem, --cpus
# and --timeout for that script.  Options given here win; --disk given
# here replaces the script's disks.
#
# The console is written to the log and streamed to stdout.  Exit status 0
# and one line "run-qemu: NAME passed (N s)" when the guest printed
# "SBNOFS-GUEST-EXIT: 0" and the log has no kernel splat; exit 4 (the
# kselftest skip code) and one line when the guest exited 4, an
# inconclusive run (with the reason of its "SKIP:" line); otherwise exit 1
# and one line naming the reason: a splat (first offending log line and its
# number: WARNING:, BUG:, Oops, Kernel panic, general protection fault,
# lockdep and RCU reports, hung tasks, KASAN:, UBSAN:, kernel BUG at), a
# timeout, a guest that never finished, or the script's non-zero rc.
# The scan covers every console line, guest output included: guest scripts
# must not print those markers themselves.  OOM kills are not splats; guest
# scripts report them.
#
# Scratch disks live in a temporary directory under $BUILD/qemu/ that is
# removed on every exit path, and no QEMU process outlives this script
# (Ctrl-C included).
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=run-qemu

usage() {
	awk 'NR > 1 { if (!/^#/) exit; sub(/^# ?/, ""); print }' "$0"
	exit 0
}

kernel='' script='' args='' log='' initrd='' append='' quiet=0
mem='' cpus='' timeout=''
disks=() rodisks=() hbas=() disk_given=0
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage ;;
	--quiet)
		quiet=1
		shift
		continue
		;;
	--kernel | --script | --args | --mem | --cpus | --disk | --ro-disk | --hba | --timeout | --log | --initrd | --append)
		[ $# -ge 2 ] || die "option $1 needs a value"
		case $1 in
		--kernel) kernel=$2 ;;
		--script) script=$2 ;;
		--args) args=$2 ;;
		--mem) mem=$2 ;;
		--cpus) cpus=$2 ;;
		--disk) disks+=("$2") disk_given=1 ;;
		--ro-disk) rodisks+=("$2") ;;
		--hba) hbas+=("$2") ;;
		--timeout) timeout=$2 ;;
		--log) log=$2 ;;
		--initrd) initrd=$2 ;;
		--append) append=$2 ;;
		esac
		shift 2
		;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

[ -n "$kernel" ] || die "--kernel BZIMAGE is required (see --help)"
[ -n "$script" ] || die "--script NAME is required (see --help)"
case $script in
*[!A-Za-z0-9._/-]* | /* | *..*) die "bad --script '$script' (a file name under guest/)" ;;
esac
case $args in
*[[:space:]\"\']*) die "bad --args '$args' (comma separated, no spaces or quotes)" ;;
esac
# the script's "# vm:" line gives what the command line left unset
if [ -f "$TOP/guest/$script" ]; then
	for kv in $(sed -n 's/^# vm: //p' "$TOP/guest/$script"); do
		case $kv in
		disks=*) [ $disk_given = 1 ] || IFS=, read -r -a disks <<<"${kv#disks=}" ;;
		mem=*) mem=${mem:-${kv#mem=}} ;;
		cpus=*) cpus=${cpus:-${kv#cpus=}} ;;
		timeout=*) timeout=${timeout:-${kv#timeout=}} ;;
		*) die "guest/$script: bad '# vm:' entry '$kv' (disks=, mem=, cpus=, timeout=)" ;;
		esac
	done
fi
mem=${mem:-1G} cpus=${cpus:-2} timeout=${timeout:-600}
[[ $mem =~ ^[0-9]+[MGmg]?$ ]] || die "bad --mem '$mem' (e.g. 512M, 1G)"
[[ $cpus =~ ^[1-9][0-9]*$ ]] || die "bad --cpus '$cpus'"
[[ $timeout =~ ^[1-9][0-9]*$ ]] || die "bad --timeout '$timeout' (seconds)"
[ $((${#disks[@]} + ${#rodisks[@]})) -le 26 ] || die "at most 26 --disk and --ro-disk"
for d in "${disks[@]}"; do
	[[ $d =~ ^[0-9]+[KMGT]?$ ]] || die "bad --disk size '$d' (e.g. 2G)"
done
for d in "${rodisks[@]}"; do
	[ -f "$d" ] && [ -r "$d" ] || die "--ro-disk $d: no such readable file"
done
if [ -f "$TOP/guest/$script" ]; then
	read -r -a more <<<"$(sed -n 's/^# vm-hba: //p' "$TOP/guest/$script")"
	hbas+=("${more[@]}")
	more=$(sed -n 's/^# vm-append: //p' "$TOP/guest/$script")
	append+=${more:+ $more}
fi
for h in "${hbas[@]}"; do
	case ${h%%:*} in
	ahci | lsi | megasas | virtio-scsi | usb-storage | uas | sd) ;;
	*) die "bad --hba '$h' (ahci, lsi, megasas, virtio-scsi, usb-storage, uas or sd)" ;;
	esac
	case $h in *:*) [[ ${h#*:} =~ ^[0-9]+[MG]$ ]] || die "bad --hba '$h': size must be like 64M or 2G" ;; esac
done
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (run: make deps)"
need timeout tail
[ -f "$kernel" ] || die "kernel $kernel not found"
[ -r "$kernel" ] || die "kernel $kernel not readable"
if [ -n "$initrd" ]; then
	[ -f "$initrd" ] || die "initrd $initrd not found"
else
	[ -f "$TOP/guest/$script" ] || die "guest script guest/$script not found"
fi
log=${log:-$LOGS/qemu-${script//\//_}.log}
mkdir -p "$(dirname "$log")" || die "cannot create the log directory of $log"

# --- run state and the cleanup that every exit path goes through
mkdir -p "$BUILD/qemu"
tmp=$(mktemp -d "$BUILD/qemu/run.XXXXXX") || die "mktemp under $BUILD/qemu failed"
pidfile=$tmp/qemu.pid
tpid='' lpid=''

cleanup() {
	local i pid
	set +e
	# No bash job notices ("Killed ...") after the verdict line.
	exec 2>/dev/null
	if [ -n "$tpid" ] && kill -0 "$tpid" 2>/dev/null; then
		# timeout(1) runs in its own process group and passes TERM on to QEMU.
		kill -TERM "$tpid" 2>/dev/null
		for i in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$tpid" 2>/dev/null || break
			sleep 0.5
		done
		kill -KILL -- "-$tpid" 2>/dev/null
	fi
	# QEMU itself, by its pid file, if it is (still) ours.
	pid=$(cat "$pidfile" 2>/dev/null)
	if [ -n "$pid" ] && grep -qF "$tmp" "/proc/$pid/cmdline" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
	fi
	[ -n "$tpid" ] && wait "$tpid" 2>/dev/null
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null && wait "$lpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo >&2; die "interrupted"' INT
trap 'die "terminated"' TERM HUP

# --- inputs
if [ -z "$initrd" ]; then
	initrd=$tmp/initramfs.cpio.gz
	"$TOP/scripts/boot/mk-initramfs.sh" "$initrd" || die "mk-initramfs.sh failed"
fi
drives=()
i=0
for d in "${disks[@]}"; do
	f=$tmp/disk$i.img
	truncate -s "$d" "$f" || die "cannot create a $d scratch disk in $tmp"
	drives+=(-drive "file=$f,format=raw,if=virtio,cache=unsafe,discard=unmap")
	i=$((i + 1))
done
for d in "${rodisks[@]}"; do
	drives+=(-drive "file=$d,format=raw,if=virtio,readonly=on")
done
xhci=0
for h in "${hbas[@]}"; do
	f=$tmp/hba$i.img
	size=64M
	[ "$h" = ahci ] && size=512M
	case $h in *:*) size=${h#*:} h=${h%%:*} ;; esac
	truncate -s "$size" "$f" || die "cannot create a $size scratch disk in $tmp"
	drives+=(-drive "file=$f,format=raw,if=none,id=hd$i,cache=unsafe")
	case $h in
	ahci) drives+=(-device ich9-ahci,id=c$i -device "ide-hd,drive=hd$i,bus=c$i.0") ;;
	lsi) drives+=(-device lsi53c895a,id=c$i -device "scsi-hd,drive=hd$i,bus=c$i.0") ;;
	megasas) drives+=(-device megasas,id=c$i -device "scsi-hd,drive=hd$i,bus=c$i.0") ;;
	virtio-scsi) drives+=(-device virtio-scsi-pci,id=c$i -device "scsi-hd,drive=hd$i,bus=c$i.0") ;;
	sd) drives+=(-device sdhci-pci,id=c$i -device "sd-card,drive=hd$i") ;;
	usb-storage | uas)
		[ $xhci = 1 ] || drives+=(-device qemu-xhci,id=xhci)
		xhci=1
		if [ "$h" = uas ]; then
			drives+=(-device "usb-uas,id=c$i,bus=xhci.0" -device "scsi-hd,drive=hd$i,bus=c$i.0")
		else
			drives+=(-device "usb-storage,drive=hd$i,bus=xhci.0")
		fi
		;;
	esac
	i=$((i + 1))
done

cmdline="console=ttyS0 loglevel=7 panic=-1 oops=panic sbnofs.script=$script"
[ -n "$args" ] && cmdline+=" sbnofs.args=$args"
[ -n "$append" ] && cmdline+=" $append"

# --- boot
info "qemu: $script${args:+ ($args)} on $(basename "$kernel"), ${mem} RAM, $cpus CPUs, ${#disks[@]} disks${hbas[*]:+ (and on ${hbas[*]})}, log $log"
: >"$log"
start=$(now)
# -M pc: the test kernels have no ACPI; i440fx needs none for PCI and IRQs.
# Without ACPI the kernel finds the CPUs in SeaBIOS's MP table, which lists
# one CPU per socket: -smp N alone (one socket of N cores) booted every
# guest with one CPU.  One socket per CPU.
timeout -k 10 "$timeout" qemu-system-x86_64 \
	-accel tcg -M pc -nographic -no-reboot -nic none \
	-m "$mem" -smp "$cpus,sockets=$cpus,cores=1,threads=1" \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	"${drives[@]}" \
	-pidfile "$pidfile" \
	</dev/null >"$log" 2>&1 &
tpid=$!
# Stream the log until timeout(1) (and with it QEMU) has exited.  tail runs
# in the background: `wait` lets the signal traps run at once.
if [ "$quiet" = 1 ]; then
	tail -n +1 -f --pid="$tpid" "$log" >/dev/null &
else
	tail -n +1 -f --pid="$tpid" "$log" &
fi
lpid=$!
wait "$lpid" 2>/dev/null || true
lpid=
rc=0
wait "$tpid" 2>/dev/null || rc=$?
tpid=
elapsed=$(($(now) - start))

# --- verdict
# The first kernel splat, case-sensitive ('debug' must not match).
patterns=(
	'WARNING:' 'BUG:' 'Oops' 'Kernel panic' 'general protection fault'
	'kernel BUG at' 'KASAN:' 'UBSAN:' 'blocked for more than'
	'possible recursive locking' 'possible circular locking dependency'
	'inconsistent lock state' 'possible irq lock inversion'
	'suspicious RCU usage' 'INFO: lockdep is turned off' 'WARNING: possible'
	'detected stalls on CPUs' 'rcu_sched self-detected stall' 'self-detected stall on CPU'
)
grep_args=()
for p in "${patterns[@]}"; do
	grep_args+=(-e "$p")
done
if hit=$(grep -a -n -m1 -F "${grep_args[@]}" "$log"); then
	hit=${hit//$'\r'/}
	die "kernel splat at $log:${hit%%:*}: ${hit#*:}"
fi

exitline=$(grep -a -o 'SBNOFS-GUEST-EXIT: [0-9]*' "$log" | tail -n 1) || true
if [ -z "$exitline" ]; then
	case $rc in
	124 | 137) die "timeout after $timeout s: guest script $script did not finish (log: $log)" ;;
	0) die "guest died without SBNOFS-GUEST-EXIT (kernel crash or reboot?) (log: $log)" ;;
	*)
		last=$(grep -a -v '^[[:space:]]*$' "$log" | tail -n 1 | tr -d '\r') || true
		die "qemu exited rc=$rc before the guest finished: ${last:-no output} (log: $log)"
		;;
	esac
fi
grc=${exitline#SBNOFS-GUEST-EXIT: }
if [ "$grc" = "$KSFT_SKIP" ] && [ "$rc" = 0 ]; then
	# inconclusive: the guest says why in a "SKIP:" line
	why=$(grep -a -o ': SKIP: .*' "$log" | head -n 1 | tr -d '\r' | sed 's/^: SKIP: //') || true
	echo "run-qemu: $script inconclusive (skip)${why:+: $why} (log: $log)" >&2
	exit "$KSFT_SKIP"
fi
if [ "$grc" != 0 ]; then
	# the guest's own reason (lib.sh's fail() prints "PREFIX: FAIL: ...")
	why=$(grep -a -o ': FAIL: .*' "$log" | head -n 4 | tr -d '\r' |
		sed 's/^: FAIL: //' | paste -s -d ';' | sed 's/;/; /g') || true
	die "guest script $script exited rc=$grc${why:+: $why} (log: $log)"
fi
[ "$rc" = 0 ] || die "qemu exited rc=$rc after the guest finished (log: $log)"
echo "run-qemu: $script passed ($elapsed s)"
