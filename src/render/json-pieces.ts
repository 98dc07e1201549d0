// A big answer (plan --json of a fleet: 6 MB) printed in pieces instead of one string. One
// JSON.stringify of the whole plan builds a 12 MB two-byte string (a `≤` in any message makes all of
// it two-byte), a flattened copy with the newline and a 6 MB encoding of it, all fresh memory. Pieces
// are small, mostly one-byte, and die young.

/** Items of a top-level array stringified together: small enough to die young, big enough to be few. */
const ITEMS_PER_PIECE = 64;

/**
 * The text of `JSON.stringify(value, null, 2)` and a final newline, as pieces that each end with a
 * newline: joined, they are exactly that text. The top-level object's arrays come a few items at a
 * time, each piece a slice of JSON.stringify's own text (nothing concatenated, so nothing copied
 * again); anything else is stringified whole.
 */
export function* prettyJsonPieces(value: unknown): Generator<string> {
  if (!isPlainObject(value)) {
    const whole = JSON.stringify(value, null, 2);
    if (whole !== undefined) yield `${whole}\n`;
    return;
  }
  // an array is streamed; anything else is stringified whole, and left out when it has no JSON form
  // (undefined, a function), as JSON.stringify leaves it out
  const entries: { key: string; items?: unknown[]; text?: string }[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (Array.isArray(v) && v.length > 0) entries.push({ key, items: v });
    else {
      const text = JSON.stringify(v, null, 2);
      if (text !== undefined) entries.push({ key, text });
    }
  }
  if (entries.length === 0) {
    yield "{}\n";
    return;
  }
  let head = "{\n";
  for (const [i, { key, items, text }] of entries.entries()) {
    const comma = i < entries.length - 1 ? "," : "";
    if (!items) {
      head += `  ${JSON.stringify(key)}: ${(text ?? "").replaceAll("\n", "\n  ")}${comma}\n`;
      continue;
    }
    yield `${head}  ${JSON.stringify(key)}: [\n`;
    for (let at = 0; at < items.length; at += ITEMS_PER_PIECE) {
      const chunk = items.slice(at, at + ITEMS_PER_PIECE);
      const more = at + ITEMS_PER_PIECE < items.length;
      // stringified one level down, the items come out indented as they are in the whole; a 0 after them
      // writes the comma a following item needs: the piece is cut from the text between "[" and the 0
      const wrapped = JSON.stringify({ k: more ? [...chunk, 0] : chunk }, null, 2);
      const from = wrapped.indexOf("[\n") + 2;
      yield wrapped.slice(from, more ? wrapped.lastIndexOf("    0\n") : wrapped.lastIndexOf("\n  ]") + 1);
    }
    head = `  ]${comma}\n`;
  }
  yield `${head}}\n`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  // toJSON (a Date, say) decides its own form
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
