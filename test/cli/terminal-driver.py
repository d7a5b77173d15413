# Test-only: runs a command in a pseudo-terminal, answers prompts, prints the transcript and status.
# Usage: python3 terminal-driver.py PROMPT ANSWER -- command args...
#   answers one prompt: when PROMPT shows, types ANSWER and Enter.
# Usage: python3 terminal-driver.py --steps STEPS_JSON -- command args...
#   STEPS_JSON is a list of [WAIT_FOR, SEND]: each step waits until WAIT_FOR shows (escape sequences and
#   carriage returns aside) after where the previous step's text was found, then types SEND (Tab is "\t",
#   Enter "\r", Ctrl-C "\u0003", Ctrl-D "\u0004", up-arrow "\u001b[A"). Typed text is echoed before the
#   next key goes, so each key reaches the program on its own, as from a person (readline takes a Tab
#   that arrives together with other characters as pasted text). The output is then read to its end.
# stdout: JSON {status, transcript, done} (done: how many steps ran; fewer when a WAIT_FOR never came).
import json, os, pty, re, select, signal, sys, time

if sys.argv[1] == "--steps":
    steps = [(wait.encode(), send.encode()) for wait, send in json.loads(sys.argv[2])]
    split_keys = True
else:
    steps = [(sys.argv[1].encode(), sys.argv[2].encode() + b"\r")]
    split_keys = False
command = sys.argv[4:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)
transcript = b""
finished = False


def shown():
    """What the screen shows: cursor movements and carriage returns taken out."""
    return re.sub(rb"\x1b\[[0-9;]*[A-Za-z]|\r", b"", transcript)


def read_some(timeout):
    """Reads what the command wrote within `timeout` seconds; False once it is gone or stuck."""
    global transcript, finished
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return True
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        chunk = b""
    if not chunk:
        finished = True
        return False
    transcript += chunk
    return True


def type_text(send):
    if not split_keys:
        os.write(fd, send)
        return
    for part in re.findall(rb"\x1b\[[0-9;]*[A-Za-z~]|[\x00-\x1f]|[^\x00-\x1f]+", send):
        before = len(shown())
        os.write(fd, part)
        if part[:1] >= b" ":  # typed text: wait (up to 10 s) for its echo
            deadline = time.time() + 10
            while part not in shown()[before:] and time.time() < deadline and not finished:
                read_some(0.1)
        else:  # a key: give the program a moment to act on it alone
            deadline = time.time() + 0.2
            while time.time() < deadline and not finished:
                read_some(0.05)


done = 0
searched_from = 0
while not finished:
    # A step whose cue already arrived goes now; only then wait for more output.
    while done < len(steps) and not finished:
        wait, send = steps[done]
        found = shown().find(wait, searched_from)
        if found < 0:
            break
        searched_from = found + len(wait)
        type_text(send)
        done += 1
    ready, _, _ = select.select([fd], [], [], 30)
    if not ready:  # 30 s of silence: the command is stuck; stop it rather than hang the test
        os.kill(pid, signal.SIGKILL)
        break
    read_some(0)
_, status = os.waitpid(pid, 0)
print(json.dumps({"status": os.waitstatus_to_exitcode(status), "transcript": transcript.decode("utf8", "replace"), "done": done}))
