/**
 * Tolerance for what production and local services send, as nginx and Varnish tolerate it.
 *
 * Both edges read a backend's response with bare `\n` line endings (`HTTP/1.1 200 OK\n…`), which
 * old and hand-written backends still send; Node's strict parser rejects them (`Missing expected
 * CR after response line`), so the page would be a 502 and a fragment an error. Node's lenient
 * parser is switched on for mfe-dev's outgoing requests only: the gateway's own server, which
 * reads browsers' requests, keeps Node's strict parser.
 */

/** Spread into the options of `http.request()`/`https.request()` to production or a local service. */
export const BACKEND_REQUEST_OPTIONS = { insecureHTTPParser: true } as const;

/**
 * The same for http-proxy (http-proxy-middleware): it builds every outgoing request's options
 * on top of its `ssl` option object, so the flag given there reaches each request to production
 * or a dev server, plain http included.
 */
export const PROXY_BACKEND_OPTIONS = { ssl: { ...BACKEND_REQUEST_OPTIONS } } as const;
