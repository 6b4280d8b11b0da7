import WebSocket from 'ws';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * The graphql-transport-ws protocol (PROTOCOL.md of graphql-ws) spoken over a
 * raw socket, message by message, against the real /graphql endpoint.
 */
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t.close());

type Message = { type: string; id?: string; payload?: any };

function connect(protocol = 'graphql-transport-ws') {
  const socket = new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, protocol);
  const inbox: Message[] = [];
  const waiters: ((m: Message) => void)[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as Message;
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else inbox.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  return {
    open: new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    }),
    send: (message: Message) => socket.send(JSON.stringify(message)),
    next: (): Promise<Message> =>
      inbox.length
        ? Promise.resolve(inbox.shift()!)
        : new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('no message within 15 s')), 15_000);
            waiters.push((m) => {
              clearTimeout(timer);
              resolve(m);
            });
          }),
    closed,
    socket,
  };
}

async function acknowledged() {
  const c = connect();
  await c.open;
  c.send({ type: 'connection_init', payload: {} });
  expect(await c.next()).toEqual({ type: 'connection_ack' });
  return c;
}

describe('graphql-transport-ws protocol', () => {
  it('acknowledges connection_init and answers ping with pong', async () => {
    const c = await acknowledged();
    c.send({ type: 'ping' });
    expect((await c.next()).type).toBe('pong');
    c.socket.close(1000);
  });

  it('runs a query over the socket: next then complete', async () => {
    const c = await acknowledged();
    c.send({ id: 'q1', type: 'subscribe', payload: { query: '{ region(code: "140121") { name } }' } });
    expect(await c.next()).toEqual({ id: 'q1', type: 'next', payload: { data: { region: { name: '清徐县' } } } });
    expect(await c.next()).toEqual({ id: 'q1', type: 'complete' });
    c.socket.close(1000);
  });

  it('answers an invalid operation with an error message for that id, keeping the socket open', async () => {
    const c = await acknowledged();
    c.send({ id: 'bad', type: 'subscribe', payload: { query: '{ noSuchField }' } });
    const error = await c.next();
    expect(error).toMatchObject({ id: 'bad', type: 'error' });
    expect(error.payload[0].message).toContain('noSuchField');
    c.send({ type: 'ping' });
    expect((await c.next()).type).toBe('pong');
    c.socket.close(1000);
  });

  it('closes 4401 on subscribe before acknowledgement', async () => {
    const c = connect();
    await c.open;
    c.send({ id: '1', type: 'subscribe', payload: { query: '{ __typename }' } });
    expect((await c.closed).code).toBe(4401);
  });

  it('closes 4429 on a second connection_init', async () => {
    const c = await acknowledged();
    c.send({ type: 'connection_init' });
    expect((await c.closed).code).toBe(4429);
  });

  it('closes 4409 when a subscriber id is already in use', async () => {
    const c = await acknowledged();
    const subscription = { query: 'subscription { priceObserved { rawName } }' };
    c.send({ id: 'same', type: 'subscribe', payload: subscription });
    c.send({ id: 'same', type: 'subscribe', payload: subscription });
    expect((await c.closed).code).toBe(4409);
  });

  it('closes 4400 on a message it does not understand', async () => {
    const c = await acknowledged();
    c.send({ type: 'no-such-type' });
    expect((await c.closed).code).toBe(4400);
  });

  it('refuses the obsolete subscriptions-transport-ws subprotocol at the handshake', async () => {
    const c = connect('graphql-ws');
    await expect(c.open).rejects.toThrow(/Server sent no subprotocol|Unexpected server response/);
    expect((await c.closed).code).toBe(1006);
  });
});
