import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The token the benchmarks read /metrics with (it is behind a key, issue #11). */
export const BENCH_METRICS_TOKEN = 'bench-metrics-token-0123456789';

/**
 * Runs the hub as its own process (as in production), so that a benchmark's
 * load generator does not share the hub's event loop. Resolves once it listens.
 */
export async function startHubProcess(env: Record<string, string | undefined>): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const root = path.resolve(import.meta.dirname, '../..');
  // The node flags `npm start` runs the hub with (package.json): a benchmark measures the hub as it is run.
  const child = spawn(process.execPath, ['--max-semi-space-size=64', '--import', '@swc-node/register/esm-register', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', METRICS_TOKEN: BENCH_METRICS_TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk;
      const match = buffer.match(/"url":"(http:[^"]+)"[^\n]*"msg":"harvest hub listening"/);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`hub exited with ${code} before listening:\n${buffer.slice(-2000)}`)));
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
