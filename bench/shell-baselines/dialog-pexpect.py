"""
The dialog benchmark driven by python3-pexpect: answers asker.py's ROUNDS prompts and prints
{"ms": <time from the first prompt to `done ROUNDS`>}. `delaybeforesend = None`: pexpect's
default 50 ms pause before every send would measure the pause, not pexpect.
Exits non-zero on a timeout, an early EOF or a failed asker.
Usage: /usr/bin/python3 dialog-pexpect.py ASKER ROUNDS
"""
import json
import sys
import time

import pexpect

asker, rounds = sys.argv[1], int(sys.argv[2])
child = pexpect.spawn(sys.executable, [asker, str(rounds)], timeout=10)
child.delaybeforesend = None
child.expect_exact(b"prompt 0> ")
start = time.perf_counter()
for i in range(rounds):
    if i:
        child.expect_exact(b"prompt %d> " % i)
    child.send(b"answer %d\r" % i)
child.expect_exact(b"done %d" % rounds)
elapsed = (time.perf_counter() - start) * 1000
child.send(b"bye\r")
child.expect(pexpect.EOF)
child.close()
if child.exitstatus != 0:
    sys.exit(f"asker exited with {child.exitstatus}")
print(json.dumps({"ms": elapsed}))
