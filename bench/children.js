/**
 * The bench's own processes: the fixture (production + local service) and mfe-dev under test,
 * each forked with an IPC channel that reports readiness.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

/**
 * Fork a child and wait for its `{ type: 'ready' }` message.
 * @param {string} file @param {string[]} args @param {string[]} [execArgv]
 */
function forkReady(file, args, execArgv = []) {
  const child = fork(file, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  /** @type {Promise<any>} */
  const ready = new Promise((resolve, reject) => {
    const limit = setTimeout(() => reject(new Error(`${file} did not get ready in 15 s`)), 15_000);
    child.on('message', (message) => {
      if (message && typeof message === 'object' && /** @type {any} */ (message).type === 'ready') {
        clearTimeout(limit);
        resolve(message);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(limit);
      reject(new Error(`${file} exited (${code}) before it was ready`));
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send('exit');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return { child, ready, stop, pid: /** @type {number} */ (child.pid) };
}

/** The fixture: production and the local fragment service. @param {string} run */
export async function startFixture(run) {
  const { ready, stop, pid } = forkReady(here('./fixture-server.js'), [JSON.stringify({ run })]);
  const message = await ready;
  const url = (port) => `http://127.0.0.1:${port}`;
  return {
    pid,
    /** The raw origin (three headers per response). */
    production: url(message.production),
    local: url(message.local),
    /** The production-like origin (Node's `http` server, real header sets). */
    productionNode: url(message.productionNode),
    localNode: url(message.localNode),
    stop,
  };
}

/**
 * The minimal Node proxy (bench/node-proxy.js) in front of `upstream`.
 * @param {string} upstream
 */
export async function startNodeProxy(upstream) {
  const { ready, stop, pid } = forkReady(here('./node-proxy.js'), [JSON.stringify({ upstream })]);
  const message = await ready;
  return { pid, url: /** @type {string} */ (message.url), stop };
}

/**
 * mfe-dev in its own process, `fragments` fragments f0… in its config, all with a local service.
 * @param {{ upstream: string, local: string, fragments: number, execArgv?: string[] }} options
 */
export async function startMfeDev({ execArgv, ...options }) {
  const { ready, stop, pid, child } = forkReady(here('./gateway-child.js'), [JSON.stringify(options)], execArgv);
  const message = await ready;
  /**
   * Runs a full garbage collection in the child (started with --expose-gc); resolves to its
   * `{ heapUsed, external }` bytes afterwards.
   */
  const gc = () =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send('gc');
    });
  return { pid, child, url: /** @type {string} */ (message.url), stop, gc };
}
