# Test-only: runs a command in a pseudo-terminal, answers prompts, prints the transcript and status.
# Usage: python3 terminal-driver.py PROMPT ANSWER -- command args...
#   answers one prompt: when PROMPT shows, types ANSWER and Enter.
# Usage: python3 terminal-driver.py --steps STEPS_JSON -- command args...
#   STEPS_JSON is a list of [WAIT_FOR, SEND]: each step waits until WAIT_FOR shows after where the previous
#   step's text was found, then types SEND as is (Tab is "\t", Enter "\r", Ctrl-C "\u0003", Ctrl-D
#   "\u0004", up-arrow "\u001b[A"). The command's own output is then read to its end.
# stdout: JSON {status, transcript, done} (done: how many steps ran; fewer when a WAIT_FOR never came).
import json, os, pty, select, signal, sys

if sys.argv[1] == "--steps":
    steps = [(wait.encode(), send.encode()) for wait, send in json.loads(sys.argv[2])]
else:
    steps = [(sys.argv[1].encode(), sys.argv[2].encode() + b"\r")]
command = sys.argv[4:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)
transcript = b""
done = 0
searched_from = 0
while True:
    # A step whose text already arrived goes now; only then wait for more output.
    while done < len(steps):
        wait, send = steps[done]
        found = transcript.find(wait, searched_from)
        if found < 0:
            break
        searched_from = found + len(wait)
        os.write(fd, send)
        done += 1
    ready, _, _ = select.select([fd], [], [], 30)
    if not ready:  # 30 s of silence: the command is stuck; stop it rather than hang the test
        os.kill(pid, signal.SIGKILL)
        break
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    transcript += chunk
_, status = os.waitpid(pid, 0)
print(json.dumps({"status": os.waitstatus_to_exitcode(status), "transcript": transcript.decode("utf8", "replace"), "done": done}))
