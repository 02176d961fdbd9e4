#!/usr/bin/env python3
"""cocci-reduce.py FILE ADDED: blank, in place, the bodies of the functions
of FILE whose signature and body contain none of the line numbers ADDED (a
file with one number per line).  Kernel style is assumed: a function body
opens with a line that is only "{", below a declarator whose last line
ends with ")", and closes with a line that starts with "}".  Everything
else (declarations, structures and initialisers whose "{" is alone on its
line too, macros, the signatures of the blanked functions and their
braces) stays, and every line keeps its number, so that a report on the
reduced file names the line of the original.
Prints "FILE: kept K of N function bodies, blanked B of L lines"."""
import re
import sys

path, added_file = sys.argv[1], sys.argv[2]
with open(added_file) as fh:
    added = {int(x) for x in fh.read().split()}
with open(path, encoding='utf-8', errors='surrogateescape', newline='') as fh:
    lines = fh.read().split('\n')
close = re.compile(r'^}')
comment = re.compile(r'\s*(/\*.*\*/|//.*)$')


def signature(i):
    """The lines (0-based) of the declarator above a body opening at i, and
    whether it is a function's: its last line ends with ")" (after any
    trailing comment), not "=" or a structure's name."""
    k = i - 1
    while k >= 0 and lines[k].strip() and not lines[k].rstrip().endswith((';', '}')) \
            and not lines[k].startswith(('}', '#')):
        k -= 1
    last = comment.sub('', lines[i - 1]).rstrip() if i > 0 else ''
    return range(k + 1, i), last.endswith(')')


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
    sig, is_function = signature(i)
    if not is_function:
        i = j + 1	# a structure, union or initialiser: kept
        continue
    bodies += 1
    # line numbers are 1-based: signature and body are lines sig[0]+1 .. j+1
    if any(n in added for n in range((sig[0] if sig else i) + 1, j + 2)):
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
