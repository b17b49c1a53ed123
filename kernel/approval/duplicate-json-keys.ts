/**
 * Duplicate keys in JSON text. `JSON.parse` keeps the last of two equal keys silently, so a
 * signed document with `"capabilities":[…]` twice means one thing to a reader who stops at the
 * first and another to the verifier: a signed approval payload must have each key once, at every
 * depth. Keys are compared decoded (`"a"` and `"\u0061"` are the same key).
 */

export interface DuplicateJsonKey {
  /** the repeated key, decoded */
  key: string;
  /** where the object that repeats it lies: `''` for the root, else e.g. `a.b[1]` */
  path: string;
}

type Frame =
  | { kind: 'object'; keys: Set<string>; key: string | undefined; expectKey: boolean }
  | { kind: 'array'; index: number };

function pathOf(frames: readonly Frame[]): string {
  let path = '';
  for (const f of frames) {
    if (f.kind === 'array') path += `[${f.index}]`;
    else if (f.key !== undefined) path += path ? `.${f.key}` : f.key;
  }
  return path;
}

/**
 * The first duplicate key of a JSON text, or undefined when every object has distinct keys.
 * The text must be valid JSON (parse it first): this is one linear scan over its tokens, with
 * no recursion (deep nesting cannot overflow the stack).
 */
export function findDuplicateJsonKey(text: string): DuplicateJsonKey | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const top = stack[stack.length - 1];
    switch (text.charCodeAt(i)) {
      case 0x7b:
        /* { */ stack.push({ kind: 'object', keys: new Set(), key: undefined, expectKey: true });
        break;
      case 0x5b:
        /* [ */ stack.push({ kind: 'array', index: 0 });
        break;
      case 0x7d: /* } */
      case 0x5d:
        /* ] */ stack.pop();
        break;
      case 0x2c /* , */:
        if (top?.kind === 'object') top.expectKey = true;
        else if (top?.kind === 'array') top.index++;
        break;
      case 0x3a:
        /* : */ if (top?.kind === 'object') top.expectKey = false;
        break;
      case 0x22: /* " */ {
        let j = i + 1;
        while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
        if (top?.kind === 'object' && top.expectKey) {
          const key = JSON.parse(text.slice(i, j + 1)) as string;
          if (top.keys.has(key)) return { key, path: pathOf(stack.slice(0, -1)) };
          top.keys.add(key);
          top.key = key;
        }
        i = j;
        break;
      }
      default:
        break; // whitespace, numbers, true/false/null
    }
  }
  return undefined;
}
