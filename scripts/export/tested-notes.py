#!/usr/bin/env python3
"""A commit's test report travels below the '---' line of its patch.

In the kernel tree the report is part of the commit message: the
paragraphs from the first one that starts with "Tested" up to the closing
trailers (Signed-off-by: ...).  Reviewers expect it below '---', where
git am drops it, so:

  tested-notes.py export PATCH...   move the report of each exported
                                    patch below its '---' (make export)
  tested-notes.py restore PATCH     read the message git am made from
                                    PATCH on stdin, print it with the
                                    report put back (make tree)
"""

import re
import sys

TRAILER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*: \S")
DIFFSTAT = re.compile(r"^ (\S.* \| +(\d+|Bin)|\d+ files? changed)")
END = re.compile(r"^(diff --git |-- $)")


def is_report(para):
    return para.startswith("Tested") and not para.startswith("Tested-by:")


def split_message(paras):
    """(body, report, trailers): report is [] when there is none."""
    tr = len(paras)
    if paras and all(TRAILER.match(line) for line in paras[-1].split("\n")):
        tr = len(paras) - 1
    for i, p in enumerate(paras[:tr]):
        if is_report(p):
            return paras[:i], paras[i:tr], paras[tr:]
    return paras[:tr], [], paras[tr:]


def read(path):
    with open(path, newline="") as f:
        return f.read()


def export(path):
    text = read(path)
    head, sep, rest = text.partition("\n\n")
    # the message ends at the first '---' line, which format-patch writes
    lines = rest.split("\n")
    try:
        cut = lines.index("---")
    except ValueError:
        return
    msg = "\n".join(lines[:cut]).strip("\n")
    body, report, trailers = split_message(msg.split("\n\n"))
    if not report:
        return
    # the sign-off must stay above the cut, where git am keeps it
    if not trailers:
        sys.exit(f"{path}: a test report but no closing trailer block (Signed-off-by: ...)")
    out = "\n\n".join(body + trailers) + "\n---\n" + "\n\n".join(report) + "\n\n" + "\n".join(lines[cut + 1:])
    with open(path, "w", newline="") as f:
        f.write(head + sep + out)
    # make tree must get back exactly what moved
    if report_of(path) != "\n\n".join(report):
        sys.exit(f"{path}: the test report below '---' does not read back whole "
                 "(a line that looks like a diffstat?)")


def report_of(path):
    """The report below the '---' line of an exported patch, or None."""
    text = read(path)
    rest = text.partition("\n\n")[2].split("\n")
    try:
        cut = rest.index("---")
    except ValueError:
        return None
    notes = []
    for line in rest[cut + 1:]:
        if DIFFSTAT.match(line) or END.match(line):
            break
        notes.append(line)
    report = "\n".join(notes).strip("\n")
    return report if is_report(report) else None


def restore(path):
    msg = sys.stdin.read().rstrip("\n")
    report = report_of(path)
    if report is None:
        print(msg)
        return
    body, old, trailers = split_message(msg.split("\n\n"))
    if old:
        sys.exit(f"{path}: the message already has a Tested paragraph")
    print("\n\n".join(body + [report] + trailers))


def main(argv):
    if len(argv) >= 3 and argv[1] == "export":
        for p in argv[2:]:
            export(p)
    elif len(argv) == 3 and argv[1] == "restore":
        restore(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
