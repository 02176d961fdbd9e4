#!/usr/bin/env bash
# make export: regenerate patches/ from the tree's commits $BASE_TAG..HEAD.
# Deterministic: the same tree gives byte-identical files (zero commit ids,
# no signature, fixed abbreviation length, no user git config).  Writes into
# a temporary directory first; patches/ is replaced only when that worked.
#   export.sh            -> patches/
#   export.sh --out DIR  -> DIR (used by make status)
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=export
need git python3

dest=$PATCHES
install=1
if [ "${1:-}" = --out ]; then
	dest=$2
	install=0
fi
tree_ok || die "no kernel tree at $TREE (run: make tree)"
# shellcheck disable=SC1091
. "$BUILD/base.env"

if [ "$install" = 1 ] && [ -n "$(git -C "$TREE" status --porcelain)" ]; then
	git -C "$TREE" status --short | head -n 10 >&2
	die "the tree has uncommitted edits: commit them (git commit --amend or a fixup) before exporting"
fi
cur=$(git -C "$TREE" symbolic-ref -q --short HEAD || true)
[ "$cur" = "$BRANCH" ] || die "tree HEAD is not on branch $BRANCH (it is '${cur:-detached}')"

tmp=$(mktemp -d "$BUILD/export.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

n=$(git -C "$TREE" rev-list --count "$BASE_TAG..HEAD")
if [ "$n" -gt 0 ]; then
	[ -s "$TOP/cover-letter.txt" ] || die "cover-letter.txt is missing or empty"
	# Cover letter: subject = first paragraph of cover-letter.txt, then its
	# body, then the base the series was built against.
	# Debian's version is the upstream stable release, a Debian revision
	# and a backport suffix: 6.12.117-1~deb12u1 is v6.12.117.
	desc=$(cat "$TOP/cover-letter.txt"; printf '\nDebian %s %s, upstream stable v%s\n(%s, sha256 %s).\n' \
		"$package" "$version" "${version%%-*}" "$(basename "$tarball")" "$sha256")
	GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 \
		git -C "$TREE" -c core.abbrev=12 -c diff.renames=true \
		-c "branch.$BRANCH.description=$desc" \
		format-patch -q --zero-commit --no-signature --numbered \
		--cover-letter --cover-from-description=subject \
		--subject-prefix='RFC PATCH' -o "$tmp" "$BASE_TAG..HEAD" >/dev/null ||
		die "git format-patch failed"
	# Each patch's test report goes below its '---' (tree.sh puts it back).
	pfiles=()
	for f in "$tmp"/*.patch; do
		[ "${f##*/}" = 0000-cover-letter.patch ] || pfiles+=("$f")
	done
	python3 "$TOP/scripts/export/tested-notes.py" export "${pfiles[@]}" ||
		die "cannot move the test reports below '---'"
	# The cover letter's Date: is "now"; pin it to the newest patch's date
	# so that the output depends on the tree only.
	last=$(ls "$tmp" | grep -v '^0000-' | sort | tail -n 1)
	d=$(sed -n '0,/^Date: /s/^Date: //p' "$tmp/$last")
	sed -i "0,/^Date: .*/s//Date: $d/" "$tmp/0000-cover-letter.patch"
fi
ls "$tmp" | grep -v '^0000-cover-letter.patch$' | grep '\.patch$' | sort >"$tmp/series.files" || true
got=$(grep -c . "$tmp/series.files" || true)
[ "$got" -eq "$n" ] || die "format-patch wrote $got patches for $n commits"
# The series file, with the section comments of series-sections.txt before
# the patches whose subjects it names (quilt, tree.sh, apply.sh and mbox.sh
# skip '#' lines).
sections=$TOP/series-sections.txt
[ -f "$sections" ] || sections=/dev/null
git -C "$TREE" log --reverse --format=%s "$BASE_TAG..HEAD" >"$tmp/series.subjects"
missing=$(awk -F '\t' 'NR == FNR { s[$0] = 1; next } /^#/ || !NF { next }
	!($1 in s) { print $1; exit }' "$tmp/series.subjects" "$sections")
[ -z "$missing" ] || die "series-sections.txt names a subject that is not in the series: $missing"
awk -F '\t' 'FILENAME == ARGV[1] { if ($0 !~ /^#/ && NF > 1) c[$1] = $2; next }
	FILENAME == ARGV[2] { subj[FNR] = $0; next }
	{ if (subj[FNR] in c) print "# " c[subj[FNR]]; print }' \
	"$sections" "$tmp/series.subjects" "$tmp/series.files" >"$tmp/series"
rm -f "$tmp/series.files" "$tmp/series.subjects"

if [ "$install" = 0 ]; then
	mkdir -p "$dest"
	rm -f "$dest"/*.patch "$dest/series"
	cp "$tmp"/* "$dest"/
	exit 0
fi

# Replace patches/ in one step.
old=$BUILD/patches.old
rm -rf "$old"
chmod 755 "$tmp"
[ -d "$PATCHES" ] && mv "$PATCHES" "$old"
mv "$tmp" "$PATCHES"
trap - EXIT
rm -rf "$old"
sync_record
info "exported $n patch(es) to patches/ ($( [ "$n" -gt 0 ] && echo 'with cover letter, ' )series file)"
