/**
 * Connector CLI (issue #4).
 *
 *   npm run connector -- list
 *   npm run connector -- run <name> [--file <path>] [--quiet]
 *
 * `<name>` is a connector configured in CONNECTORS, or a module under
 * connectors/ run with its default config (then `--file` says what to read).
 * Shows a progress bar (rows/s, ETA) on stderr and prints a summary; exits 1
 * when the run failed. Uses DATABASE_URL (or the embedded PostgreSQL, seeded
 * on first use like the hub).
 */
import 'reflect-metadata';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { loadConfig } from '../src/platform/config.js';
import { createLogger } from '../src/platform/logger.js';
import { openDatabase } from '../src/database.js';
import { seedOnStart } from '../src/seed-on-start.js';
import { startIngest } from '../src/ingest/ingest-runtime.js';

const USAGE = `usage:
  npm run connector -- list
  npm run connector -- run <name> [--file <path>] [--quiet]`;

function parseArgs(argv: string[]) {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const [key, inline] = arg.slice(2).split('=', 2);
      if (inline !== undefined) flags[key] = inline;
      else if (argv[i + 1] && !argv[i + 1].startsWith('--') && key === 'file') flags[key] = argv[++i];
      else flags[key] = true;
    } else positional.push(arg);
  }
  return { positional, flags };
}

async function main(): Promise<number> {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  const [command, name] = positional;
  if (!command || (command === 'run' && !name) || !['run', 'list'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const log = createLogger(config.logLevel);
  const db = await openDatabase(config, log, { shareRunningEmbedded: true });
  try {
    await seedOnStart(db.orm.em.fork(), log, { demo: config.seedDemo, demoSecrets: config.seedDemo && config.access.demoMode && config.env !== 'production' });
    const ingest = await startIngest({ ...config.ingest, scheduler: false }, { em: db.orm.em.fork(), log });
    if (command === 'list') {
      if (!ingest.connectors.length) console.log(`No connectors configured (CONNECTORS). Modules in ${ingest.connectorsDir} can still be run by name.`);
      for (const c of ingest.connectors) {
        console.log(
          `${c.name}\t${c.module}\t${c.manifest.kind}\t${c.intervalSeconds ? `every ${c.intervalSeconds}s` : 'on demand'}\t${c.enabled ? 'enabled' : 'disabled'}`,
        );
      }
      return 0;
    }
    const file = typeof flags.file === 'string' ? path.resolve(flags.file) : undefined;
    const quiet = flags.quiet === true || !process.stderr.isTTY;
    const bar = new cliProgress.SingleBar(
      {
        format: ' {bar} {percentage}% | {value}/{total} rows | {speed} rows/s | ETA {eta_formatted} | stored {stored} dup {duplicates} rejected {rejected}',
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    const started = Date.now();
    let barStarted = false;
    let lastLine = 0;
    const result = await ingest.run(name, {
      file,
      onProgress: ({ counts, total }) => {
        const speed = Math.round(counts.read / Math.max(0.001, (Date.now() - started) / 1000));
        const payload = { speed, stored: counts.stored, duplicates: counts.duplicates, rejected: counts.rejected };
        if (quiet) {
          // No TTY (CI, a pipe): a plain line every few seconds instead of a redrawn bar.
          if (Date.now() - lastLine > 5_000) {
            lastLine = Date.now();
            console.error(
              `${counts.read}${total ? `/${total}` : ''} rows, ${speed} rows/s, stored ${counts.stored}, duplicates ${counts.duplicates}, rejected ${counts.rejected}`,
            );
          }
          return;
        }
        if (!barStarted) {
          bar.start(Math.max(total ?? counts.read, counts.read), counts.read, payload);
          barStarted = true;
        } else {
          bar.setTotal(Math.max(total ?? counts.read, counts.read));
          bar.update(counts.read, payload);
        }
      },
    });
    if (barStarted) bar.stop();
    const seconds = result.durationMs / 1000;
    const { read, stored, duplicates, rejected, unmatched } = result.counts;
    console.log(
      [
        `connector ${result.connector}: ${result.status}${result.error ? ` — ${result.error}` : ''}`,
        `  read       ${read}`,
        `  stored     ${stored}`,
        `  duplicates ${duplicates}`,
        `  rejected   ${rejected}${rejected ? '  (see the rejectedRecords query; fix, then replayRejected)' : ''}`,
        `  unmatched  ${unmatched}${unmatched ? '  (stored without a product; see the unmatchedNames review queue)' : ''}`,
        `  took       ${seconds.toFixed(1)} s (${Math.round(read / Math.max(seconds, 0.001))} rows/s)`,
      ].join('\n'),
    );
    await ingest.close();
    return result.status === 'OK' ? 0 : 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message ?? error);
    process.exit(1);
  },
);
