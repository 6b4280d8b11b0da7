/**
 * The fan-out benchmark's load generator (issue #13), as a process of its own
 * so that its CPU is counted apart from the orchestrator's and the servers'
 * (on a 2-core machine the clients compete with the server they measure; the
 * benchmark prints how busy this process was so that a client-bound figure is
 * read as one). Driven by scripts/bench-fanout.ts over the IPC channel:
 *
 *   open   { urls, n, payload, connectionParams, handshakeTimeoutMs }  -> { accepted, failures, ms, cpuMs, elu }
 *   round  { tag, request, timeoutMs }                          -> { arrived, latencies, late, ms, cpuMs, elu, closedLater }
 *          (late: updates of EARLIER rounds that arrived during this one, after their round's timeout)
 *   close  {}                                                   -> {}
 *
 * One raw `ws` client per subscriber (the protocol is four messages), all
 * opened at once. A round sends the update's POST itself and times every
 * subscriber's message from the moment it is sent, in this one process.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

interface OpenCommand {
  cmd: 'open';
  urls: string[];
  n: number;
  payload: object;
  connectionParams: object;
  handshakeTimeoutMs: number;
}
interface RoundCommand {
  cmd: 'round';
  tag: string;
  request: { url: string; headers: Record<string, string>; body: string };
  /** For the hub's webhook: the answer must say `accepted: 1`. */
  expectAccepted: boolean;
  timeoutMs: number;
}
type Command = OpenCommand | RoundCommand | { cmd: 'close' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let sockets: WebSocket[] = [];
let accepted = 0;
/** Sockets closed by the server after their subscription was acknowledged (e.g. 4413, or keep-alive). */
let closedLater = new Map<string, number>();
let onNext: (at: number, text: string) => void = () => {};
/** Tags of earlier rounds: an update of one that arrives during a later round was late, not lost. */
const earlierTags: string[] = [];

/** CPU milliseconds and event-loop utilisation (0–1: 1 = the client never waited for I/O) over `run`. */
async function measured<T>(run: () => Promise<T>): Promise<T & { ms: number; cpuMs: number; elu: number }> {
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const started = performance.now();
  const result = await run();
  const used = process.cpuUsage(cpu);
  return { ...result, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, elu: performance.eventLoopUtilization(elu).utilization };
}

async function open(c: OpenCommand) {
  const failures = new Map<string, number>();
  const fail = (kind: string) => failures.set(kind, (failures.get(kind) ?? 0) + 1);
  const init = JSON.stringify({ type: 'connection_init', payload: c.connectionParams });
  const subscribe = JSON.stringify({ id: '1', type: 'subscribe', payload: c.payload });
  accepted = 0;
  closedLater = new Map();
  let settled = 0;
  await new Promise<void>((resolve) => {
    const done = () => {
      if (++settled === c.n) resolve();
    };
    for (let i = 0; i < c.n; i++) {
      // No `localAddress`: binding a source address makes the kernel choose the source port at bind() time,
      // a search that grows with every port in use: 9,000 sockets took 40 s to connect instead of 6 s, all
      // in one blocked tick, so at 10,000 every handshake timer (60 s) ran out before a single socket was
      // read — the "all 10,000 handshakes timed out" of the two-hub case (issue #13), and of the bare
      // server in a re-run. connect() picks ports per destination, and every case has a server port of its own.
      const ws = new WebSocket(c.urls[i % c.urls.length], 'graphql-transport-ws', { perMessageDeflate: false, handshakeTimeout: c.handshakeTimeoutMs });
      sockets.push(ws);
      let acked = false;
      let finished = false;
      const finish = () => {
        if (!finished) {
          finished = true;
          done();
        }
      };
      ws.on('open', () => ws.send(init));
      ws.on('message', (data: Buffer) => {
        const at = performance.now();
        const text = data.toString();
        if (!acked) {
          if (text.includes('"connection_ack"')) {
            acked = true;
            accepted++;
            ws.send(subscribe);
            finish();
          }
          return;
        }
        onNext(at, text);
      });
      ws.on('error', (error: Error & { code?: string }) => {
        if (!acked) fail(error.code ?? error.message.slice(0, 40));
        finish();
      });
      ws.on('close', (code: number) => {
        if (!acked) fail(`close ${code}`);
        else if (code !== 1005 && code !== 1006) closedLater.set(String(code), (closedLater.get(String(code)) ?? 0) + 1);
        finish();
      });
    }
  });
  return { accepted, failures: Object.fromEntries(failures) };
}

async function round(c: RoundCommand) {
  const latencies: number[] = [];
  let late = 0;
  let allIn: () => void = () => {};
  const complete = new Promise<void>((resolve) => {
    allIn = resolve;
  });
  let started = 0;
  onNext = (at, text) => {
    if (!text.includes(c.tag)) {
      if (earlierTags.some((tag) => text.includes(tag))) late++;
      return;
    }
    latencies.push(at - started);
    if (latencies.length === accepted) allIn();
  };
  started = performance.now();
  const res = await fetch(c.request.url, { method: 'POST', headers: c.request.headers, body: c.request.body });
  const answer = await res.text();
  if (c.expectAccepted && (JSON.parse(answer) as { accepted?: number }).accepted !== 1) throw new Error(`push not accepted: ${answer}`);
  await Promise.race([complete, sleep(c.timeoutMs)]);
  onNext = () => {};
  earlierTags.push(c.tag);
  return { arrived: latencies.length, latencies, late, closedLater: Object.fromEntries(closedLater) };
}

process.on('message', (message: Command & { seq: number }) => {
  const run = async () => {
    switch (message.cmd) {
      case 'open':
        return measured(() => open(message));
      case 'round':
        return measured(() => round(message));
      case 'close':
        for (const s of sockets) s.terminate();
        sockets = [];
        return {};
    }
  };
  run().then(
    (result) => process.send!({ seq: message.seq, result }),
    (error: Error) => process.send!({ seq: message.seq, error: error.stack ?? String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
