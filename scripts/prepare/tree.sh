#!/usr/bin/env bash
# make tree: build/linux = git repository with the pristine Debian source as
# one tagged commit ($BASE_TAG) and the series from patches/ applied on top
# with git am on branch $BRANCH.  Idempotent.  Refuses to throw away commits
# or edits that patches/ does not have (FORCE=1 keeps them on a backup
# branch and re-applies patches/).
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=tree
need git tar xz sha256sum python3

"$TOP/scripts/prepare/base.sh"
# shellcheck disable=SC1091
. "$BUILD/base.env"

create_pristine() {
	local new=$BUILD/linux.new
	rm -rf "$new" "$BUILD/extract.tmp"
	mkdir -p "$BUILD/extract.tmp"
	info "extracting $tarball ($package $version)"
	tar -C "$BUILD/extract.tmp" -xf "$tarball"
	mv "$BUILD/extract.tmp"/linux-source-* "$new"
	rmdir "$BUILD/extract.tmp"
	# Debian's top-level .gitignore ends with a packaging block ("/*") that
	# ignores every top-level entry, and it lacks upstream's dotfile
	# exceptions: git would not see new files.  Restore upstream behaviour.
	sed -i '/^# Debian packaging: ignore everything/,$d' "$new/.gitignore"
	sed -i '${/^#$/d}' "$new/.gitignore"
	cat >>"$new/.gitignore" <<'EOT'
# We don't want to ignore the following even if they are dot-files
!.clang-format
!.clippy.toml
!.cocciconfig
!.editorconfig
!.get_maintainer.ignore
!.gitattributes
!.gitignore
!.mailmap
!.rustfmt.toml
EOT
	info "committing the pristine tree (about a minute)"
	git -C "$new" init -q -b "$BRANCH"
	git -C "$new" config core.abbrev 12
	git -C "$new" config gc.auto 0
	git -C "$new" add -A -f
	GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_DATE=$BASE_DATE \
		git -C "$new" commit -q -m "Debian $package $version" -m \
"Pristine source from $tarball
sha256 $sha256

The only change: the Debian packaging block of the top-level .gitignore
(which ignores every top-level entry) is replaced by upstream's dotfile
exceptions, so that git sees new files."
	git -C "$new" tag "$BASE_TAG"
	git -C "$new" config sbnofs.base-version "$version"
	mv "$new" "$TREE"
}

# restore_report PATCH: git am drops the test report that make export put
# below the patch's '---' line (scripts/export/tested-notes.py); put it back in
# the commit message, where it was.
restore_report() {
	local msg old
	old=$(git -C "$TREE" log -1 --format=%B)
	msg=$(printf '%s\n' "$old" | python3 "$TOP/scripts/export/tested-notes.py" restore "$1") ||
		die "cannot restore the test report of $(basename "$1")"
	[ "$msg" = "$old" ] && return 0
	printf '%s\n' "$msg" | GIT_COMMITTER_DATE=$(git -C "$TREE" log -1 --format=%cD) \
		git -C "$TREE" commit -q --amend --no-verify --cleanup=verbatim -F - ||
		die "cannot amend the message of $(basename "$1")"
}

# Apply patches/ (series order) on top of the base tag.
apply_series() {
	local p name out
	git -C "$TREE" checkout -q -f -B "$BRANCH" "$BASE_TAG"
	git -C "$TREE" clean -q -fdx
	[ -f "$PATCHES/series" ] || return 0
	while read -r name; do
		case $name in '' | '#'*) continue ;; esac
		p=$PATCHES/${name%% *}
		[ -f "$p" ] || die "patches/series lists $name but the file is missing"
		if ! out=$(git -C "$TREE" am -q --committer-date-is-author-date "$p" 2>&1); then
			git -C "$TREE" am --abort >/dev/null 2>&1 || true
			printf '%s\n' "$out" | grep -E '^(error|Patch failed)' >&2 || printf '%s\n' "$out" >&2
			die "patch ${name} does not apply: $(printf '%s\n' "$out" | grep -m1 -E '^error: (patch failed|.*does not exist|.*already exists)' || echo 'see above')"
		fi
		restore_report "$p"
	done <"$PATCHES/series"
	info "applied $(series_commits | wc -l) patch(es) on $BASE_TAG ($version)"
}

if ! tree_ok; then
	[ -e "$TREE" ] && die "$TREE exists but is not a harness tree; move it away"
	create_pristine
	apply_series
	sync_record
	exit 0
fi

tv=$(git -C "$TREE" config sbnofs.base-version || true)
if [ "$tv" != "$version" ]; then
	die "tree is based on $tv but the installed source is $version; move $TREE away to rebuild it"
fi

state=$("$TOP/scripts/export/sync-state.sh" state)
case $state in
insync)
	info "tree is up to date with patches/ ($(series_commits | wc -l) patches)"
	;;
behind)
	info "patches/ changed and the tree holds nothing unexported: re-applying"
	apply_series
	sync_record
	;;
ahead | diverged | dirty)
	if [ "${FORCE:-0}" = 1 ]; then
		b="backup-$(date +%Y%m%d-%H%M%S)"
		git -C "$TREE" stash -q -u 2>/dev/null || true
		git -C "$TREE" branch -q "$b" HEAD
		warn "tree held unexported work ($state); saved as branch $b (and git stash)"
		apply_series
		sync_record
	else
		die "the tree holds work that patches/ does not ($state): run 'make export', or FORCE=1 make tree to re-apply patches/ (the tree's commits are kept on a backup branch)"
	fi
	;;
*) die "unknown tree state '$state'" ;;
esac
