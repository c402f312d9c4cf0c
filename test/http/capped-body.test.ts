/**
 * A body's bytes as the GET pool hands them on (http/capped-body.ts): owned chunks kept as they
 * are, transient ones (views of the shared read buffer) copied once, into the store when given.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CappedBody, type BodyStore } from '../../src/http/capped-body.js';

function store(): BodyStore & { slab: Buffer; live: boolean } {
  const slab = Buffer.alloc(1024);
  let used = 0;
  return {
    slab,
    live: true,
    alloc(length) {
      if (used + length > slab.length) return undefined;
      used += length;
      return slab.subarray(used - length, used);
    },
  };
}

/** Transient chunks: the caller reuses the memory as soon as `push` returns. */
function pushTransient(body: CappedBody, text: string, reused: Buffer): boolean {
  reused.write(text);
  const ok = body.push(reused.subarray(0, text.length), true);
  reused.fill('#');
  return ok;
}

describe('CappedBody', () => {
  it('copies transient chunks of a body of known length once, into the store', async () => {
    const memory = store();
    const reused = Buffer.alloc(64);
    const body = new CappedBody(undefined, 1000, 11, memory);
    expect(pushTransient(body, 'hello', reused)).toBe(true);
    expect(pushTransient(body, ' world', reused)).toBe(true);
    const whole = await body.finish();
    expect(whole.toString()).toBe('hello world');
    expect(whole.buffer).toBe(memory.slab.buffer);
  });

  it('moves what it has out of a store that took its memory back, and never writes there again', async () => {
    const memory = store();
    const reused = Buffer.alloc(64);
    const body = new CappedBody(undefined, 1000, 10, memory);
    pushTransient(body, 'first', reused);
    memory.live = false;
    const before = Buffer.from(memory.slab);
    pushTransient(body, '-last', reused);
    expect(memory.slab.equals(before)).toBe(true);
    expect((await body.finish()).toString()).toBe('first-last');
  });

  it('keeps every byte when more come than were announced, and stops at the limit', async () => {
    const reused = Buffer.alloc(64);
    const longer = new CappedBody(undefined, 1000, 4);
    pushTransient(longer, 'four', reused);
    pushTransient(longer, '+more', reused);
    expect((await longer.finish()).toString()).toBe('four+more');
    const capped = new CappedBody(undefined, 8);
    expect(capped.push(Buffer.from('12345'))).toBe(true);
    expect(capped.push(Buffer.from('6789'))).toBe(false);
  });

  it('hands an uncompressed body over at once, and leaves a compressed one to the decoder', async () => {
    for (const coding of [undefined, 'identity', ' Identity ']) {
      const plain = new CappedBody(coding, 1000);
      plain.push(Buffer.from('<p>'));
      plain.push(Buffer.from('hi</p>'));
      expect(plain.finishNow()?.toString()).toBe('<p>hi</p>');
    }
    const zipped = new CappedBody('gzip', 1000);
    zipped.push(gzipSync('<p>hi</p>'));
    expect(zipped.finishNow()).toBeUndefined();
    expect((await zipped.finish()).toString()).toBe('<p>hi</p>');
  });
});
