"""
The dialog benchmark's program: asks `prompt N> ` ROUNDS times (argv[1], default 1000),
reads one line after each prompt and checks it is `answer N`, then prints `done ROUNDS`,
waits for one more line and exits 0 (1 on a wrong answer). Started once per run, and cheap
per round (one write, one read), so the time measured is the driver's.
The last line read is there because a pty may drop what its program wrote just before it
exited (the kernel hangs the terminal up when its session leader dies): `done` must not be
the program's last act.
Usage: /usr/bin/python3 asker.py [ROUNDS]
"""
import os
import sys

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
stdin = sys.stdin.buffer
for i in range(rounds):
    # os.write: unbuffered, one write per prompt, no flush bookkeeping.
    os.write(1, b"prompt %d> " % i)
    line = stdin.readline()
    if line.rstrip(b"\r\n") != b"answer %d" % i:
        os.write(1, b"\nwrong answer in round %d: %r\n" % (i, line))
        sys.exit(1)
os.write(1, b"done %d\n" % rounds)
stdin.readline()
