/**
 * The fan-out benchmark's counterpart (issue #13): a bare graphql-ws server as
 * graphql-ws documents it (`useServer({ schema }, wss)`), no database, no
 * authentication, no multiplexing. Its one subscription answers the same shape
 * as the hub's `shipmentUpdated`, fed from an in-process pub/sub; each
 * subscriber executes each event itself, as a plain graphql-ws server does.
 *
 *   POST /publish {"courier": "yunda", "trackingNumber": "…"}   one update to every subscriber of that courier
 *   GET  /stats                                                 { subscriptions, connections, heapUsed, rss }
 *
 * Run as its own process by scripts/bench-fanout.ts (PORT from the environment).
 */
import http from 'node:http';
import { buildSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { setMaxListeners } from 'node:events';
import { createPubSub } from '@graphql-yoga/subscription';

// One listener per subscriber is the design (and the hub's bus does the same): no leak warning.
const eventTarget = new EventTarget();
setMaxListeners(0, eventTarget);
const pubSub = createPubSub<{ update: [{ courier: string; trackingNumber: string; at: string }] }>({ eventTarget });
const schema = buildSchema(`
  type Shipment { trackingNumber: String! status: String! }
  type TrackingEvent { status: String! }
  type ShipmentUpdate { shipment: Shipment! newEvents: [TrackingEvent!]! }
  type Query { ok: Boolean }
  type Subscription { shipmentUpdated(courier: String): ShipmentUpdate }
`);
/**
 * Root of the subscription: graphql-js's default resolver calls `shipmentUpdated(args)` for the
 * event stream, then executes the selection on each event (rootValue = the event).
 */
const rootValue = {
  async *shipmentUpdated(args: { courier?: string }) {
    for await (const event of pubSub.subscribe('update')) {
      if (!args.courier || args.courier === event.courier) {
        yield { shipmentUpdated: { shipment: { trackingNumber: event.trackingNumber, status: 'IN_TRANSIT' }, newEvents: [{ status: 'IN_TRANSIT' }] } };
      }
    }
  },
};

let subscriptions = 0;
let connections = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/publish') {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const event = JSON.parse(body) as { courier: string; trackingNumber: string };
      pubSub.publish('update', { ...event, at: new Date().toISOString() });
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"published":true}');
    });
    return;
  }
  if (req.url === '/stats') {
    const memory = process.memoryUsage();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ subscriptions, connections, heapUsed: memory.heapUsed, rss: memory.rss }));
    return;
  }
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, path: '/graphql' });
useServer(
  {
    schema,
    roots: { subscription: rootValue } as never,
    onConnect: () => {
      connections++;
      return true;
    },
    onClose: () => {
      connections--;
    },
    onOperation: () => {
      subscriptions++;
    },
    onComplete: () => {
      subscriptions--;
    },
  },
  wss,
);
// The same listen backlog as the hub (LISTEN_BACKLOG, set by the benchmark), so that both meet a burst of
// 10,000 handshakes alike; Node's default (511) overflows under such a burst (BENCHMARKS.md, issue #13).
server.listen(Number(process.env.PORT ?? 4800), '127.0.0.1', Number(process.env.LISTEN_BACKLOG ?? 511), () =>
  console.log(JSON.stringify({ msg: 'bare graphql-ws listening', port: (server.address() as { port: number }).port })),
);
