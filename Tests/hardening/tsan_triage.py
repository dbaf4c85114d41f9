#!/usr/bin/env python3
"""Sorts ThreadSanitizer reports from a `swift test --sanitize=thread` log.

On Linux, Synchronization.Mutex locks through code TSan does not see (the
prebuilt, uninstrumented Synchronization library and futex calls), so every
pair of accesses made inside `withLock` is reported as a race although the
lock orders them (reproduced with a 10-line program; see README.md). A
report is classified `mutex` when every access stack in it passes through a
source line of this repository that calls `withLock`; anything else is a
candidate real race.

Usage: tsan_triage.py LOG REPO_ROOT
Prints one line per report (`mutex` or `RACE`, then the first repository
frame of each access) and, last, `tsan-triage: N mutex, N race`.
Exit status: the number of candidate races (capped at 100).
"""
import os
import re
import sys

FRAME = re.compile(r"^\s+#\d+ .*? (/\S+?\.swift):(\d+)(?::\d+)?\b")
ACCESS = re.compile(r"^  (Read|Write|Modifying|Previous|Atomic)\b")
SECTION = re.compile(r"^  \S")


def source_line(path, number, cache={}):
    if path not in cache:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                cache[path] = handle.read().split("\n")
        except OSError:
            cache[path] = []
    lines = cache[path]
    return lines[number - 1] if 0 < number <= len(lines) else ""


def reports(text):
    current = None
    for line in text.split("\n"):
        if line.startswith("WARNING: ThreadSanitizer"):
            current = [line]
        elif current is not None:
            if line.startswith("SUMMARY: ThreadSanitizer"):
                yield current
                current = None
            else:
                current.append(line)


def access_stacks(report):
    stacks, stack = [], None
    for line in report[1:]:
        if ACCESS.match(line):
            stack = []
            stacks.append(stack)
        elif SECTION.match(line):
            stack = None
        elif stack is not None:
            match = FRAME.match(line)
            if match:
                stack.append((match.group(1), int(match.group(2))))
    return stacks


def main():
    log, root = sys.argv[1], os.path.realpath(sys.argv[2])
    with open(log, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    mutex = race = 0
    for report in reports(text):
        stacks = access_stacks(report)
        ours = [[(p, n) for p, n in stack if os.path.realpath(p).startswith(root + os.sep)] for stack in stacks]
        locked = bool(stacks) and all(any("withLock" in source_line(p, n) for p, n in stack) for stack in ours)
        where = ", ".join(f"{os.path.relpath(s[0][0], root)}:{s[0][1]}" if s else "?" for s in ours)
        kind = report[0].replace("WARNING: ThreadSanitizer: ", "").split(" (pid")[0]
        if locked:
            mutex += 1
            print(f"mutex {kind}: {where}")
        else:
            race += 1
            print(f"RACE  {kind}: {where}")
    print(f"tsan-triage: {mutex} mutex, {race} race")
    sys.exit(min(race, 100))


if __name__ == "__main__":
    main()
