# Test-only: runs a command in a pseudo-terminal, answers one prompt, prints the transcript and status.
# Usage: python3 terminal-driver.py PROMPT ANSWER -- command args...   (stdout: JSON {status, transcript})
import json, os, pty, select, sys

prompt, answer = sys.argv[1].encode(), sys.argv[2].encode()
command = sys.argv[4:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)
transcript = b""
answered = False
while True:
    ready, _, _ = select.select([fd], [], [], 30)
    if not ready:
        break
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    transcript += chunk
    if not answered and prompt in transcript:
        os.write(fd, answer + b"\r")
        answered = True
_, status = os.waitpid(pid, 0)
print(json.dumps({"status": os.waitstatus_to_exitcode(status), "transcript": transcript.decode("utf8", "replace")}))
