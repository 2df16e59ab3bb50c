/** What commands touch of the process: output, a clock for polling, Ctrl-C. Tests pass their own. */

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Where progress bars draw (they draw only when it is a terminal). */
  errStream: NodeJS.WriteStream;
  sleep(ms: number): Promise<void>;
  /** Runs `handler` on the first Ctrl-C, then exits 130; returns a function that unhooks it. */
  onInterrupt(handler: () => void): () => void;
}

export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    errStream: process.stderr,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    onInterrupt(handler) {
      const listener = (): void => {
        handler();
        process.exit(130);
      };
      process.once('SIGINT', listener);
      return () => void process.off('SIGINT', listener);
    },
  };
}
