import { appendFile, chmod, rename, stat } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { MfeDevError } from '../errors.js';
import { redactUrl } from '../http/redact-url.js';

/**
 * Recorded requests for `mfe-dev replay`: a HAR file exported from the browser's DevTools, or
 * the gateway's own request log (`record` in the config, `mfe-dev --record FILE`): one JSON
 * object per line, `{ "at", "method", "url", "headers" }`, where `url` is the path and query and
 * `headers` are only those a fragment request forwards. Cookies are never written to the log.
 */
export interface RecordedRequest {
  method: string;
  /** Path and query, or an absolute URL (only its path and query are used: targets come from the config). */
  url: string;
  headers: Record<string, string>;
  /** Where it came from, for messages: `entry 12` or `line 7`. */
  source: string;
}

/** Headers kept from a recorded request: those production's edge forwards to fragments. */
export const RECORDED_HEADERS = ['accept-language', 'user-agent', 'referer', 'accept'] as const;

const invalid = (file: string, message: string) => new MfeDevError('MFE_REPLAY_INPUT_INVALID', message, { file });

/** Reads a HAR (JSON with `log.entries`) or a JSON-lines request log; `file` names it in errors. */
export function parseRecordedRequests(text: string, file: string): RecordedRequest[] {
  const trimmed = text.trimStart();
  if (trimmed === '') throw invalid(file, `${file} is empty: nothing to replay. Export a HAR from DevTools (Network tab, "Export HAR…"), or record one with mfe-dev --record FILE.`);
  // A HAR is one JSON document with `log`; a request log has one object per line.
  if (trimmed.startsWith('{') && /^\{\s*"log"\s*:/.test(trimmed)) return fromHar(text, file);
  return fromJsonLines(text, file);
}

function fromHar(text: string, file: string): RecordedRequest[] {
  let har: unknown;
  try {
    har = JSON.parse(text);
  } catch (error) {
    throw invalid(file, `${file} is not valid JSON (${(error as Error).message}). Export the HAR again from DevTools.`);
  }
  const entries = (har as { log?: { entries?: unknown } }).log?.entries;
  if (!Array.isArray(entries)) throw invalid(file, `${file} looks like a HAR but has no \`log.entries\` list. Export the HAR again from DevTools.`);
  return entries.flatMap((entry: unknown, index): RecordedRequest[] => {
    const request = (entry as { request?: { method?: unknown; url?: unknown; headers?: unknown } }).request;
    if (typeof request?.method !== 'string' || typeof request.url !== 'string') return [];
    const headers: Record<string, string> = {};
    if (Array.isArray(request.headers)) {
      for (const header of request.headers as Array<{ name?: unknown; value?: unknown }>) {
        if (typeof header?.name === 'string' && typeof header.value === 'string' && !header.name.startsWith(':')) headers[header.name.toLowerCase()] = header.value;
      }
    }
    const mimeType = (entry as { response?: { content?: { mimeType?: unknown } } }).response?.content?.mimeType;
    // DevTools exports every file of the page; only documents (and fragments) are replayed.
    if (typeof mimeType === 'string' && mimeType !== '' && !/html/i.test(mimeType)) return [];
    return [{ method: request.method.toUpperCase(), url: request.url, headers, source: `entry ${index + 1}` }];
  });
}

function fromJsonLines(text: string, file: string): RecordedRequest[] {
  const requests: RecordedRequest[] = [];
  text.split('\n').forEach((line, index) => {
    if (!line.trim()) return;
    let value: { method?: unknown; url?: unknown; headers?: unknown };
    try {
      value = JSON.parse(line) as typeof value;
    } catch {
      throw invalid(file, `${file}:${index + 1} is neither a HAR nor a JSON-lines request log (this line is not JSON). Give a HAR exported from DevTools or a log written by mfe-dev --record.`);
    }
    if (typeof value?.method !== 'string' || typeof value.url !== 'string') {
      throw invalid(file, `${file}:${index + 1} needs "method" and "url" strings, e.g. {"method":"GET","url":"/products/tent"}.`);
    }
    const headers: Record<string, string> = {};
    if (value.headers && typeof value.headers === 'object') {
      for (const [name, v] of Object.entries(value.headers)) if (typeof v === 'string') headers[name.toLowerCase()] = v;
    }
    requests.push({ method: value.method.toUpperCase(), url: value.url, headers, source: `line ${index + 1}` });
  });
  return requests;
}

/** Size of the request log past which it is rotated (the full file becomes `FILE.1`). */
export const REQUEST_LOG_MAX_BYTES = 50 * 1024 * 1024;

export interface RequestLogOptions {
  /** Rotate past this many bytes. @default REQUEST_LOG_MAX_BYTES */
  maxBytes?: number;
}

/**
 * The gateway's request log: `record(method, url, headers)` appends one line, in order, never
 * throwing (a full disk must not break the page); `close()` waits for what is queued.
 *
 * The file is the developer's own (mode 0600, also when it existed with wider permissions): it
 * holds their browsing. Query-string secrets are redacted as in the terminal (`redactUrl`), in
 * the URL and the Referer. Past `maxBytes` the file is renamed to `FILE.1` (replacing an older
 * one) and a new file started, so the log never holds more than twice `maxBytes`.
 */
export function createRequestLog(file: string, onError: (message: string) => void, options: RequestLogOptions = {}) {
  const maxBytes = options.maxBytes ?? REQUEST_LOG_MAX_BYTES;
  let queue = Promise.resolve();
  let failed = false;
  let size: number | undefined;
  const write = async (line: string) => {
    if (size === undefined) {
      size = await stat(file).then(
        async (s) => {
          if ((s.mode & 0o077) !== 0) await chmod(file, 0o600);
          return s.size;
        },
        () => 0,
      );
    }
    if (size > 0 && size + Buffer.byteLength(line) > maxBytes) {
      await rename(file, `${file}.1`);
      size = 0;
    }
    await appendFile(file, line, { mode: 0o600 });
    size += Buffer.byteLength(line);
  };
  return {
    file,
    record(method: string, url: string, headers: IncomingHttpHeaders): void {
      const kept: Record<string, string> = {};
      for (const name of RECORDED_HEADERS) {
        const value = headers[name];
        if (typeof value === 'string') kept[name] = name === 'referer' ? redactUrl(value) : value;
      }
      const line = JSON.stringify({ at: new Date().toISOString(), method, url: redactUrl(url), headers: kept }) + '\n';
      queue = queue.then(() =>
        write(line).catch((error: unknown) => {
          if (!failed) onError(`could not write the request log ${file}: ${(error as Error).message}. Check the path of \`record\` (or --record).`);
          failed = true;
        }),
      );
    },
    close: () => queue,
  };
}
