import net from 'node:net';

/**
 * `count` distinct free loopback ports. All are held open until every one is
 * picked, so two calls cannot hand out the same port (asking for one port at a
 * time can: the kernel may give a just-closed port again, and two hub processes
 * then race for it, which made the load-balanced test flaky in CI).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

/** One free loopback port. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}
