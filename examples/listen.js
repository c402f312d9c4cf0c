/**
 * Shared by the example servers: listen on a port (0 picks a free one) and hand back the URL and
 * a `close()` that also ends kept-alive connections.
 *
 * @param {import('node:http').Server} server
 * @param {{ port: number, host: string, onClose?: () => void }} options
 * @returns {Promise<{ url: string, port: number, close(): Promise<void> }>}
 */
export async function listenOn(server, { port, host, onClose }) {
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise((resolve) => {
        onClose?.();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
