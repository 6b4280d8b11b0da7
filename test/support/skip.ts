/**
 * Prints why a test file is skipped, as one line on the run's stderr. Jest
 * drops the buffered console of a file whose tests were all skipped, so the
 * line is written straight to the stream (workers forward it to the run).
 */
export function announceSkip(line: string): void {
  process.stderr.write(`${line}\n`);
}
