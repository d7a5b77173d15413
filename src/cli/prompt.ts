/**
 * A hidden prompt for one secret on a terminal: nothing is echoed, so the value never reaches the
 * screen, the scrollback or shell history. Ctrl-C or Ctrl-D abandons the command.
 */
import { EntrakitError } from "../errors.ts";

export function readHiddenLine(label: string): Promise<string> {
  const input = process.stdin;
  const output = process.stderr;
  return new Promise((resolve, reject) => {
    let value = "";
    // Echo goes off before the label shows: a fast typist (or script) must not be echoed.
    input.setRawMode(true);
    output.write(label);
    input.resume();
    input.setEncoding("utf8");
    const finish = (error?: EntrakitError) => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      output.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return finish();
        if (ch === "\u0003" || ch === "\u0004") {
          return finish(
            new EntrakitError("usage", "Cancelled at the secret prompt.", { hint: "Nothing was saved." }),
          );
        }
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    input.on("data", onData);
  });
}
