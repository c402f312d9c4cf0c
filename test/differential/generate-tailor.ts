/**
 * Generated Tailor cases (see generate.ts). Templates are written as parse5 serialises them
 * (Tailor re-serialises the template it parsed), with fragment URLs absolute on the origin.
 */
import type { Doc } from './origin.js';
import { browserHeaders, fragment, type CaseBody, type Rng } from './generate.js';

export const TAILOR_FEATURES = ['fragment', 'status', 'fallback', 'link', 'primary', 'headers', 'script-tag', 'async'] as const;

function tag(name: string, attributes = '', selfClosing = false): string {
  return selfClosing ? `<fragment src="{{O}}{{P}}${name}"${attributes}/>` : `<fragment src="{{O}}{{P}}${name}"${attributes}></fragment>`;
}

function links(rng: Rng, name: string): string {
  const css = `<{{O}}{{P}}${name}.css>; rel="stylesheet"`;
  const js = `<{{O}}{{P}}${name}.js>; rel="fragment-script"`;
  return rng.pick([`${css}, ${js}`, css, js, `${js}, ${css}`, `${css}, <{{O}}{{P}}${name}-2.css>; rel="stylesheet"`]);
}

export function tailorCase(rng: Rng, feature: string): CaseBody {
  const docs: Record<string, Doc> = {};
  const snippets: string[] = ['<p>text</p>'];
  const headers = browserHeaders(rng);
  const count = rng.int(1, 3);
  let primaryGiven = false;
  for (let i = 1; i <= count; i++) {
    const name = `t${i}`;
    const self = rng.chance(0.3);
    switch (feature) {
      case 'fragment':
        docs[name] = fragment(rng, `<div class="box">${name}</div>`);
        snippets.push(tag(name, '', self));
        break;
      case 'status': {
        const status = rng.pick([200, 404, 500, 503]);
        docs[name] = fragment(rng, `<i>${status}</i>`, { status });
        snippets.push(tag(name, '', self));
        break;
      }
      case 'fallback': {
        docs[name] = fragment(rng, '<i>broken</i>', { status: rng.pick([500, 503, 404]) });
        docs[`${name}fb`] = fragment(rng, `<i>fallback ${name}</i>`);
        snippets.push(tag(name, ` fallback-src="{{O}}{{P}}${name}fb"`, self));
        break;
      }
      case 'link':
        docs[name] = fragment(rng, `<div class="box">${name}</div>`, { headers: { link: links(rng, name) } });
        snippets.push(tag(name, '', self));
        break;
      case 'primary': {
        const primary: boolean = !primaryGiven && rng.chance(0.7);
        primaryGiven ||= primary;
        const status = primary ? rng.pick([200, 200, 404, 500]) : 200;
        docs[name] = fragment(rng, `<div>${name}</div>`, { status, headers: rng.chance(0.5) ? { link: links(rng, name) } : {} });
        snippets.push(tag(name, primary ? ' primary' : '', self));
        break;
      }
      case 'headers':
        // Not x-request-uri/x-request-host: the proxy in front of Tailor sets them (mfe-dev stands in for it).
        docs[name] = fragment(rng, `[${rng.pick(['{{h:accept-language}}', '{{h:user-agent}}', '{{h:cookie}}', '{{h:x-device}}', '{{h:referer}}'])}]`);
        snippets.push(tag(name, '', self));
        break;
      case 'script-tag':
        docs[name] = fragment(rng, `<div>${name}</div>`, { headers: rng.chance(0.5) ? { link: links(rng, name) } : {} });
        snippets.push(`<script type="fragment" src="{{O}}{{P}}${name}"></script>`);
        break;
      case 'async':
        docs[name] = fragment(rng, `<div>${name}</div>`);
        // One async fragment a page: Tailor writes async fragments in the order they answer.
        snippets.push(tag(name, i === count ? ' async' : '', self));
        break;
    }
    if (rng.chance(0.4)) snippets.push('<p>between</p>');
  }
  const parts = ['<!DOCTYPE html><html><head><title>case</title></head><body>', ...snippets, '</body></html>'];
  return { docs: { page: { status: 200, type: 'text/html', parts } , ...docs }, query: '', headers };
}
