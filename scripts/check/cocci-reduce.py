#!/usr/bin/env python3
"""cocci-reduce.py FILE ADDED: blank, in place, the bodies of the functions
of FILE that contain none of the line numbers ADDED (a file with one number
per line).  Kernel style is assumed: a function body opens with a line that
is only "{" and closes with a line that starts with "}".  Everything else
(declarations, structures, initialisers, macros, the signatures of the
blanked functions and their braces) stays, and every line keeps its number,
so that a report on the reduced file names the line of the original.
Prints "FILE: kept K of N function bodies, blanked B of L lines"."""
import re
import sys

path, added_file = sys.argv[1], sys.argv[2]
with open(added_file) as fh:
    added = {int(x) for x in fh.read().split()}
with open(path, encoding='utf-8', errors='surrogateescape', newline='') as fh:
    lines = fh.read().split('\n')
close = re.compile(r'^}')
i = bodies = kept = blanked = 0
while i < len(lines):
    if lines[i].rstrip() != '{':
        i += 1
        continue
    j = i + 1
    while j < len(lines) and not close.match(lines[j]):
        j += 1
    if j == len(lines):
        break		# no closing brace: leave the rest as it is
    bodies += 1
    # line numbers are 1-based: the body is lines i+1 .. j+1
    if any(n in added for n in range(i + 1, j + 2)):
        kept += 1
    else:
        for k in range(i + 1, j):
            if lines[k]:
                lines[k] = ''
                blanked += 1
    i = j + 1
with open(path, 'w', encoding='utf-8', errors='surrogateescape', newline='') as fh:
    fh.write('\n'.join(lines))
print(f'{path}: kept {kept} of {bodies} function bodies, blanked {blanked} of {len(lines)} lines')
