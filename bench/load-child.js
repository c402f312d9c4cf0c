/**
 * The load generator, in its own process (forked by load.js) so it shares no event loop with
 * the gateway under test. It stays up for the whole bench: each IPC message
 * `{ url, connections, durationS, headers }` runs one autocannon load and is answered with one
 * message holding the result.
 *
 * Latencies are recorded here from autocannon's per-response event (sub-millisecond; its own
 * histogram keeps whole milliseconds), and percentiles are computed over every 2xx response.
 */
import autocannon from 'autocannon';

/**
 * `amount`, when given, runs until that many responses came back instead of for `durationS`
 * (the smoke run: a row on a loaded machine still completes requests to judge), and a response
 * may take 60 s instead of 10 (a 100-fragment page on a machine at load 30).
 * @param {{ url: string, connections: number, durationS: number, amount?: number, headers?: Record<string, string> }} options
 */
function load({ url, connections, durationS, amount, headers }) {
  return new Promise((resolve) => {
    /** @type {number[]} */
    const latencies = [];
    /** @type {Record<string, number>} */
    const statuses = {};
    const started = performance.now();
    // autocannon ends a run on its sampling tick (1 s by default): tick every 100 ms so that
    // sub-second runs end on time.
    const instance = autocannon({ url, connections, duration: durationS, ...(amount ? { amount } : {}), sampleInt: 100, headers: headers ?? {}, pipelining: 1, timeout: amount ? 60 : 10 }, (error, result) => {
      const elapsedS = (performance.now() - started) / 1000;
      if (error) return resolve({ error: String(error) });
      latencies.sort((a, b) => a - b);
      const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : NaN);
      resolve({
        requests: result.requests.total,
        ok: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        bytes: result.throughput.total,
        elapsedS,
        durationS: elapsedS,
        p50: pct(50),
        p90: pct(90),
        p99: pct(99),
        max: latencies.length ? latencies[latencies.length - 1] : NaN,
        mean: latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1),
        statuses,
      });
    });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

process.on('message', async (message) => {
  if (message === 'exit') return process.exit(0);
  const result = await load(/** @type {any} */ (message)).catch((error) => ({ error: String(error) }));
  process.send?.(result);
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
