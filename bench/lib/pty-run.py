# Bench-only: runs a command on a pseudo-terminal of the given width and copies everything it prints to
# stdout as it comes (so the command sees a terminal, and a reader of a 100,000-line table keeps up).
# Usage: python3 pty-run.py COLUMNS -- command args...   (exit status: the command's)
import fcntl, os, pty, struct, sys, termios

columns = int(sys.argv[1])
command = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(sys.stdout.fileno(), termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    os.execvp(command[0], command)
out = sys.stdout.buffer
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:  # EIO: the command exited and the terminal closed
        break
    if not chunk:
        break
    out.write(chunk)
out.flush()
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
