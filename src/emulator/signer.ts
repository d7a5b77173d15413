/**
 * RS256 signing off the request thread. An RSA-2048 signature costs about a third of a token request's
 * CPU, so the emulator hands signatures to worker threads (one per spare core) and the main thread keeps
 * parsing and answering requests. With no spare core it signs in place.
 */
import { type KeyObject, sign } from "node:crypto";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createPrivateKey, sign } = require("node:crypto");
const key = createPrivateKey(workerData.pem);
parentPort.on("message", (batch) => {
  const out = [];
  for (const [id, data] of batch) out.push([id, sign("sha256", Buffer.from(data), key).toString("base64url")]);
  parentPort.postMessage(out);
});
`;

export class Rs256Signer {
  readonly #key: KeyObject;
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, { data: string; resolve: (signature: string) => void }>();
  /** Requests queued during this tick, posted together (one message per worker per tick). */
  #queue: Array<[number, string]> = [];
  #nextId = 0;
  #nextWorker = 0;
  #flushScheduled = false;

  constructor(key: KeyObject, workers = Math.min(4, availableParallelism() - 1)) {
    this.#key = key;
    const pem = key.export({ type: "pkcs8", format: "pem" }) as string;
    for (let i = 0; i < workers; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pem } });
      worker.on("message", (results: Array<[number, string]>) => {
        for (const [id, signature] of results) {
          this.#pending.get(id)?.resolve(signature);
          this.#pending.delete(id);
        }
      });
      // A dead worker must not strand requests: sign what is outstanding here and carry on without it.
      worker.on("error", () => this.#retire(worker));
      worker.unref();
      this.#workers.push(worker);
    }
  }

  /** base64url RS256 signature of `data` (the JWT signing input). */
  sign(data: string): Promise<string> {
    if (this.#workers.length === 0) return Promise.resolve(this.signNow(data));
    const id = this.#nextId++;
    const promise = new Promise<string>((resolve) => this.#pending.set(id, { data, resolve }));
    this.#queue.push([id, data]);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
    return promise;
  }

  signNow(data: string): string {
    return sign("sha256", Buffer.from(data), this.#key).toString("base64url");
  }

  #flush(): void {
    this.#flushScheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    if (this.#workers.length === 0) {
      for (const [id] of queue) this.#retireOne(id);
      return;
    }
    const per = Math.ceil(queue.length / this.#workers.length);
    for (let i = 0; i < queue.length; i += per) {
      const worker = this.#workers[this.#nextWorker++ % this.#workers.length]!;
      worker.postMessage(queue.slice(i, i + per));
    }
  }

  #retireOne(id: number): void {
    const entry = this.#pending.get(id);
    if (!entry) return;
    this.#pending.delete(id);
    entry.resolve(this.signNow(entry.data));
  }

  #retire(worker: Worker): void {
    const index = this.#workers.indexOf(worker);
    if (index >= 0) this.#workers.splice(index, 1);
    for (const [id, entry] of this.#pending) {
      entry.resolve(this.signNow(entry.data));
      this.#pending.delete(id);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
    this.#workers.length = 0;
  }
}
