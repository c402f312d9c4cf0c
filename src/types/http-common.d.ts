/**
 * Node's own HTTP/1 parser (llhttp, the one its client and server use), from the built-in module
 * `_http_common`: only what `http/get-pool.ts` uses. Node ships no types for it.
 */
declare module '_http_common' {
  /** The callbacks are indexed by these numbers; `headers` is a flat `[name, value, …]` list. */
  export class HTTPParser {
    static readonly RESPONSE: number;
    static readonly kOnHeaders: number;
    static readonly kOnHeadersComplete: number;
    static readonly kOnBody: number;
    static readonly kOnMessageComplete: number;
    static readonly kLenientAll: number;
    initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
    /** Bytes parsed, or the parse error (`code` HPE_…, `reason`). */
    execute(data: Buffer): number | Error;
    /** End of input: completes a body delimited by the connection's close, or the error. */
    finish(): number | Error | undefined;
    close(): void;
    [callback: number]: ((...args: never[]) => unknown) | undefined;
  }
}
