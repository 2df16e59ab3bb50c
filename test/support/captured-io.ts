import { PassThrough } from 'node:stream';
import type { CliIo } from '../../sdk/cli/io';

/** The CLI's io, captured; progress bars stay silent on a stream that is no terminal. */
export function capturedIo(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    errStream: new PassThrough() as unknown as NodeJS.WriteStream,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    onInterrupt: () => () => undefined,
    stdout: () => out,
    stderr: () => err,
  };
}
