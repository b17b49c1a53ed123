/**
 * The one redactor for everything a run directory or an incident bundle carries: environment
 * variables, config files (`key=value` / `key: value` lines), argv `--flag=value`, headers, and
 * any string value (URLs with credentials, `password=...` inside a value).
 *
 * A name is secret when one of its tokens (split at `_ - . /`, spaces and camelCase, lower-cased)
 * is a secret word (pwd, pat, auth, session, dsn, jwt, bearer, ...) or it contains one of the
 * secret stems anywhere (key, token, secret, pass, cred, cookie). The shell's `PWD`/`OLDPWD`
 * (the working directory) are not secrets. A value is redacted where it holds URL userinfo
 * (`scheme://user:pw@host` keeps `scheme://<redacted>@host`) or a `secret-name=value` pair.
 * Redaction replaces only secret parts: everything else is left byte for byte.
 */

export const REDACTED_VALUE = '<redacted>';

/** Stems that make a name secret wherever they appear (`PGPASS`, `MY_API_KEY`, `AWS_SECRET_ACCESS_KEY`). */
export const SECRET_NAME_STEMS = ['key', 'token', 'secret', 'pass', 'cred', 'cookie'] as const;
/**
 * Words that make a name secret as a whole token (`MY_PWD`, `GITHUB_PAT`, `AUTH`, `SESSION_ID`), not inside other words
 * (`PATH`).
 */
export const SECRET_NAME_WORDS = [
  'pwd',
  'pat',
  'auth',
  'authorization',
  'oauth',
  'session',
  'sid',
  'dsn',
  'jwt',
  'bearer',
  'private',
  'signature',
  'otp',
] as const;
/** Well-known names that match the rules but hold no secret. */
const NOT_SECRET = new Set(['PWD', 'OLDPWD']);

const STEM = new RegExp(SECRET_NAME_STEMS.join('|'), 'i');
const WORDS: ReadonlySet<string> = new Set(SECRET_NAME_WORDS);

/** A name split into lower-case tokens: `MY_PWD` → [my, pwd], `apiKey` → [api, key]. */
export function nameTokens(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_\-./:]+/)
    .filter((t) => t.length > 0)
    .map((t) => t.toLowerCase());
}

/** Whether a variable, config key, flag or header name holds a secret. */
export function isSecretName(name: string): boolean {
  const bare = name.replace(/^-+/, '');
  if (NOT_SECRET.has(bare)) return false;
  if (STEM.test(bare)) return true;
  return nameTokens(bare).some((t) => WORDS.has(t));
}

// scheme://userinfo@ — userinfo is everything up to the last `@` before the authority ends
const URL_USERINFO = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/?#@]*(?:@[^\s/?#@]*)*)@/g;
// name=value inside a value (a DSN `host=db password=pw`, a query `?token=...`); only names
// that are unmistakably secret (a bare `key=` inside text is a spec or stage key, not a secret)
const INLINE_PAIR = /([A-Za-z0-9_.-]+)(\s*=\s*)("[^"]*"|'[^']*'|[^\s&;,'"]+)/g;
const INLINE_SECRET = /pass|pwd|secret|token|cred|cookie|auth|api_?key|private_?key|access_?key|session|signature/i;
// an Authorization-style credential inside a value
const AUTH_SCHEME = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{4,}/g;

/** A string with URL userinfo and inline `secret-name=value` pairs redacted; anything else unchanged. */
export function redactValue(value: string): string {
  if (value.indexOf('@') < 0 && value.indexOf('=') < 0 && value.indexOf(' ') < 0) return value;
  let out = value.replace(URL_USERINFO, (_m, scheme: string) => `${scheme}${REDACTED_VALUE}@`);
  out = out.replace(INLINE_PAIR, (m, name: string, sep: string, v: string) =>
    INLINE_SECRET.test(name) && v !== REDACTED_VALUE ? `${name}${sep}${REDACTED_VALUE}` : m,
  );
  out = out.replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED_VALUE}`);
  return out;
}

/** The value of `name`, as it may be written down. */
export function redactNamed(name: string, value: string): string {
  return isSecretName(name) ? REDACTED_VALUE : redactValue(value);
}

/** The environment as sorted pairs, secrets redacted (by name or by value), unset entries left out. */
export function redactedEnv(env: Readonly<Record<string, string | undefined>>): Array<[string, string]> {
  return Object.keys(env)
    .filter((k) => env[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => [k, redactNamed(k, env[k]!)]);
}

/** argv with `--flag=value` values of secret flags redacted, and credentials in any argument. */
export function redactArgv(argv: readonly string[]): string[] {
  return argv.map((a) => {
    const m = /^(--?[^=]+)=([\s\S]*)$/.exec(a);
    return m ? `${m[1]}=${redactNamed(m[1]!, m[2]!)}` : redactValue(a);
  });
}

/** HTTP-style headers: values of secret header names (Authorization, Cookie, X-Api-Key, ...) redacted. */
export function redactHeaders(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k] = typeof v === 'string' ? redactNamed(k, v) : v.map((x) => redactNamed(k, x));
  }
  return out;
}

/**
 * A config text (runtime_config.txt and friends): each `key=value` or `key: value` line keeps its
 * key and has its value redacted when the key is secret; every line, comments too, has URL
 * credentials and inline secret pairs redacted. Line structure is kept.
 */
export function redactConfigText(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const m = /^(\s*)([^\s=:#][^=:]*?)(\s*[=:]\s*)(.*?)(\r?)$/.exec(line);
      if (m && !/^\s*#/.test(line) && isSecretName(m[2]!) && m[4] !== '' && !m[4]!.startsWith('//')) {
        return `${m[1]}${m[2]}${m[3]}${REDACTED_VALUE}${m[5]}`;
      }
      return redactValue(line);
    })
    .join('\n');
}

/**
 * Every string in a JSON-like value redacted by value (redactValue); object keys that name
 * secrets get their scalar values redacted when `byName` is set. Structure and non-string
 * values are kept.
 */
export function redactJson<T>(value: T, byName = false): T {
  const walk = (v: unknown, key: string | null): unknown => {
    if (typeof v === 'string') return byName && key !== null && isSecretName(key) ? REDACTED_VALUE : redactValue(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v !== null && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = walk(x, k);
      return o;
    }
    return v;
  };
  return walk(value, null) as T;
}
