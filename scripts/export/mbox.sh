#!/usr/bin/env bash
# make mbox: write the series as committed in patches/ as one mailing-list
# ready mbox, build/out/sbnofs.mbox: the cover letter and the patches in
# series order, numbered [RFC PATCH n/N] (cover 0/N, zero-padded as git
# format-patch does), threaded to the cover letter (Message-Id, In-Reply-To,
# References), To: the maintainers and Cc: the reviewers and lists that the
# tree's scripts/get_maintainer.pl names (offline: no git history); the
# cover letter goes to all of them.  The message author is never listed.
# From:, Date: and bodies are those of patches/; nothing is signed off here
# (a human submitter adds their own Signed-off-by).  Message-Ids are derived
# from the content of patches/, so the same series gives the same file.
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=mbox
need git perl sha256sum

tree_ok || die "no kernel tree at $TREE (run: make tree)"
# get_maintainer.pl reads the tree's MAINTAINERS (which the series edits):
# the tree must be exactly patches/.
st=$("$TOP/scripts/export/status.sh" 2>&1) || die "refusing: the tree is not in sync with patches/ (${st##*$'\n'})"
[ "$("$TOP/scripts/export/sync-state.sh" state)" = insync ] ||
	die "refusing: patches/ is newer than the tree (run: make tree)"

cover=$PATCHES/0000-cover-letter.patch
[ -f "$cover" ] || die "patches/0000-cover-letter.patch is missing (run: make export)"
[ -f "$PATCHES/series" ] || die "patches/series is missing"
list=()
while read -r name; do
	case $name in '' | '#'*) continue ;; esac
	name=${name%% *}
	[ -f "$PATCHES/$name" ] || die "patches/series lists $name but the file is missing"
	list+=("$name")
done <"$PATCHES/series"
total=${#list[@]}
[ "$total" -gt 0 ] || die "the series is empty: nothing to mail"
for f in 0000-cover-letter.patch "${list[@]}"; do
	if [ "$(grep -c '^From ' "$PATCHES/$f")" != 1 ] ||
		! head -n 1 "$PATCHES/$f" | grep -qE '^From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$'; then
		die "patches/$f is not one git format-patch message"
	fi
done

tmp=$(mktemp -d "$BUILD/mbox.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log=$LOGS/mbox.log
: >"$log"

# get_maintainer FILE OPTIONS...: one address per line.  A fixed hash seed
# makes its order (it walks perl hashes) the same on every run.
get_maintainer() {
	local f=$1
	shift
	(cd "$TREE" && PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0 perl scripts/get_maintainer.pl --no-rolestats --no-git \
		--no-git-fallback "$@" "$f") 2>>"$log" ||
		{ tail -n 5 "$log" >&2; die "get_maintainer.pl failed on $(basename "$f") (log: $log)"; }
}

hash=$(cd "$PATCHES" && cat series 0000-cover-letter.patch "${list[@]}" | sha256sum | cut -c1-12)
msgid() { printf '<sbnofs-%s-%s@%s>' "$hash" "$1" "${SBNOFS_EMAIL#*@}"; }
w=${#total}

# Message writer: PATCH PREFIX MSGID PARENT TOFILE CCFILE -> one message on
# stdout.  Replaces the subject's [...] prefix, adds Message-Id, In-Reply-To
# and References (when PARENT is not empty), To and Cc (deduplicated by
# address, without the author; RFC 2047 for non-ASCII names); the rest of
# the header and the body are copied unchanged.
# shellcheck disable=SC2016
writer='
use strict; use warnings; use Encode qw(encode decode);
my ($file, $prefix, $msgid, $parent, $tofile, $ccfile) = @ARGV;
sub slurp { open(my $fh, "<:raw", $_[0]) or die "$_[0]: $!\n"; local $/; my $s = <$fh>; return $s; }
my ($head, $body) = split /\n\n/, slurp($file), 2;
die "$file: no body\n" unless defined $body;
my @lines = split /\n/, $head;
my $fromline = shift @lines;
my @hdr;
for (@lines) {
	if (/^[ \t]/ && @hdr) { $hdr[-1][1] .= "\n$_"; }
	elsif (/^([!-9;-~]+):[ \t]?(.*)$/) { push @hdr, [$1, $2]; }
	else { die "$file: bad header line: $_\n"; }
}
sub email { my $a = shift; return lc($a =~ /<([^>]+)>/ ? $1 : $a); }
my ($author) = map { email($_->[1]) } grep { lc($_->[0]) eq "from" } @hdr;
die "$file: no From: header\n" unless defined $author;
my %seen = ($author => 1);
sub addrs {
	my @out;
	for (split /\n/, slurp($_[0])) {
		s/^\s+|\s+$//g;
		next if $_ eq "" || $seen{email($_)}++;
		push @out, $_;
	}
	return @out;
}
my @to = addrs($tofile);
my @cc = addrs($ccfile);
if (!@to) { @to = @cc; @cc = (); }
sub mime { my $s = encode("MIME-Q", shift); $s =~ s/\r//g; return $s; }
sub addr {
	my $a = shift;
	return $a unless $a =~ /[^\x00-\x7f]/ && $a =~ /^(.*?)\s*(<[^>]+>)$/;
	my ($name, $mail) = ($1, $2);
	$name =~ s/^"(.*)"$/$1/;
	$name =~ s/\\(.)/$1/g;
	return mime(decode("UTF-8", $name)) . " $mail";
}
sub list { my ($h, @a) = @_; return @a ? "$h: " . join(",\n    ", map { addr($_) } @a) . "\n" : ""; }
sub subject {
	(my $s = shift) =~ s/\n(?=[ \t])//g;
	$s = decode("MIME-Header", $s) if $s =~ /=\?/;
	$s =~ s/^\s*\[[^\]]*\]\s*//;
	$s = "$prefix $s";
	return "Subject: " . mime($s) . "\n" if $s =~ /[^\x00-\x7f]/;
	my ($line, @out) = ("Subject:");
	for my $w (split / /, $s) {
		if (length($line) + 1 + length($w) > 78 && $line ne "Subject:") { push @out, $line; $line = ""; }
		$line .= " $w";
	}
	return join("\n", @out, $line) . "\n";
}
my $out = "$fromline\n";
my $done = 0;
for (@hdr) {
	my ($n, $v) = @$_;
	next if $n =~ /^(to|cc|message-id|in-reply-to|references)$/i;
	if (lc($n) ne "subject") { $out .= "$n: $v\n"; next; }
	$out .= subject($v) . "Message-Id: $msgid\n";
	$out .= "In-Reply-To: $parent\nReferences: $parent\n" if $parent ne "";
	$out .= list("To", @to) . list("Cc", @cc);
	$done = 1;
}
die "$file: no Subject: header\n" unless $done;
$body .= "\n" unless $body =~ /\n\z/;
print $out, "\n", $body, "\n";
'

info "get_maintainer.pl on $total patches (--no-git: MAINTAINERS only)"
: >"$tmp/all.to"
: >"$tmp/all.cc"
for i in $(seq 1 "$total"); do
	p=$PATCHES/${list[i - 1]}
	get_maintainer "$p" --m --nor --nol >"$tmp/$i.to"
	get_maintainer "$p" --nom --r --l >"$tmp/$i.cc"
	cat "$tmp/$i.to" >>"$tmp/all.to"
	cat "$tmp/$i.cc" >>"$tmp/all.cc"
done

mkdir -p "$OUT"
mbox=$OUT/sbnofs.mbox
cid=$(msgid 0)
(
	perl -e "$writer" "$cover" "$(printf '[RFC PATCH %0*d/%d]' "$w" 0 "$total")" \
		"$cid" "" "$tmp/all.to" "$tmp/all.cc" || exit 1
	for i in $(seq 1 "$total"); do
		perl -e "$writer" "$PATCHES/${list[i - 1]}" "$(printf '[RFC PATCH %0*d/%d]' "$w" "$i" "$total")" \
			"$(msgid "$i")" "$cid" "$tmp/$i.to" "$tmp/$i.cc" || exit 1
	done
) >"$tmp/mbox" || die "could not write the mbox (see the message above)"

# The mbox must split back into exactly the cover letter and the patches.
got=$(git mailsplit -o"$tmp" "$tmp/mbox") || die "git mailsplit cannot read the mbox"
[ "$got" -eq $((total + 1)) ] || die "the mbox holds $got messages, expected $((total + 1))"
mv "$tmp/mbox" "$mbox"
info "wrote ${mbox#"$TOP"/}: cover letter + $total patches, To/Cc from get_maintainer.pl"
