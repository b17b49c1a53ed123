/**
 * BYTEOR_HTTP_POST_ALLOWLIST matching on WHATWG-normalised URLs, never on raw strings.
 *
 * A URL (an allowlist entry or a target) is parsed with the WHATWG URL parser, which resolves
 * `.` / `..` segments (also their `%2e` spellings), turns `\` into `/`, lower-cases the host,
 * normalises IPv4 forms and drops the default port. Each remaining path segment is then
 * percent-decoded into bytes and re-encoded one canonical way, so `/a%62c` and `/abc` compare
 * equal. A URL is refused (matches nothing) when it carries userinfo, or when a decoded path
 * segment is `.`/`..` or holds `/` or `\` (an encoded slash: a server that decodes it would see
 * a different path than the one checked), also when double-encoded (`%252e`, `%252f`, `%255c`).
 *
 * An entry matches a target when scheme, host and port are equal, the entry's path segments
 * are a prefix of the target's (whole segments: `/ok` covers `/ok`, `/ok/` and `/ok/x`, not
 * `/okay`; `/ok/` covers what lies under `/ok/` only), and, if the entry has a query, the
 * target's query is the same. The request must then be sent to the normalised target
 * (`href`), which is exactly what was checked.
 */

export interface NormalizedUrl {
  /** `http:` or `https:` */
  scheme: string;
  host: string;
  /** '' for the scheme's default port */
  port: string;
  /** canonical path segments (`/a/b/` → ['a', 'b', '']) */
  segments: string[];
  /** `?…` or '' */
  search: string;
  /** the parsed URL: what a request built from it is sent to */
  url: URL;
}

export type Normalized = { ok: NormalizedUrl } | { error: string };

const UNRESERVED = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]$/;

/**
 * Percent-decode `segment` into bytes and re-encode it canonically; null when it hides `/`, `\` or is a dot segment.
 */
export function canonicalSegment(segment: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c === 0x25 /* % */ && /^[0-9A-Fa-f]{2}$/.test(segment.slice(i + 1, i + 3))) {
      bytes.push(parseInt(segment.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(segment[i]!, 'utf8')) bytes.push(b);
    }
  }
  if (bytes.includes(0x2f) || bytes.includes(0x5c)) return null;
  const decoded = Buffer.from(bytes);
  const asText = decoded.toString('latin1');
  if (asText === '.' || asText === '..') return null;
  // double encoding (%252e, %252f, %255c): a server that decodes twice would see a dot segment or a slash
  if (/%(2e|2f|5c)/i.test(asText)) return null;
  let out = '';
  for (const b of decoded) {
    const ch = String.fromCharCode(b);
    out += b < 0x80 && UNRESERVED.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function normalizeHttpUrl(raw: string): Normalized {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: `"${raw}" is not a valid URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { error: `"${raw}" is not an http:// or https:// URL` };
  if (!url.hostname) return { error: `"${raw}" has no host` };
  if (url.username || url.password) return { error: `"${raw}" carries userinfo (user:password@), which is refused` };
  const segments: string[] = [];
  for (const s of url.pathname.split('/').slice(1)) {
    const c = canonicalSegment(s);
    if (c === null)
      return {
        error:
          `"${raw}" has a path segment "${s}" that decodes to a dot segment or holds an encoded / or \\ (%2f, ` +
          `%5c), which is refused`,
      };
    segments.push(c);
  }
  return { ok: { scheme: url.protocol, host: url.hostname, port: url.port, segments, search: url.search, url } };
}

/** Whether the normalised `entry` covers the normalised `target` (see the module comment). */
export function entryCovers(entry: NormalizedUrl, target: NormalizedUrl): boolean {
  if (entry.scheme !== target.scheme || entry.host !== target.host || entry.port !== target.port) return false;
  if (entry.search !== '' && entry.search !== target.search) return false;
  const dir = entry.segments[entry.segments.length - 1] === '';
  const prefix = dir ? entry.segments.slice(0, -1) : entry.segments;
  if (dir ? target.segments.length <= prefix.length : target.segments.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== target.segments[i]) return false;
  return true;
}

/**
 * Whether `target` is covered by one of `allowlist` (null: no allowlist, everything is). Unparsable entries cover
 * nothing.
 */
export function urlAllowed(target: string, allowlist: readonly string[] | null): boolean {
  if (allowlist === null) return true;
  const t = normalizeHttpUrl(target);
  if ('error' in t) return false;
  return allowlist.some((e) => {
    const n = normalizeHttpUrl(e);
    return 'ok' in n && entryCovers(n.ok, t.ok);
  });
}
