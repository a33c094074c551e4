// A manifest's text, YAML (1.1, as Smarter's PyYAML reads it) or JSON, as the object it holds. Apart
// from secret-manifest.ts so that the apply function loads the yaml package (115 KB minified) only
// when a YAML body arrives, not at every cold start.
import { Lexer, parseAllDocuments } from 'yaml';
import { ManifestError } from './secret-manifest.js';

/** Aliases a YAML manifest may resolve (yaml's own count, which grows with what an alias expands to): enough for a hand-written file, not for a "billion laughs". */
export const MAX_YAML_ALIASES = 10;

/**
 * yaml's parser costs about 50 µs a node here and more with depth (256 KB of `x: 1` lines took
 * 2.5 s, of `[[[...` 18 s), so the text is bounded by its lexer's tokens first. A block or quoted
 * scalar is one token however long; the largest manifest (50 tags, 50 commented annotations) has
 * about 900, and Smarter's nest two deep.
 */
export const MAX_YAML_TOKENS = 4_000;
export const MAX_FLOW_DEPTH = 32;

const bodyError = (message: string) => new ManifestError([{ path: 'body', message }]);

/** What is too big about the text, by yaml's own lexer (which knows quotes and block scalars), stopping at the first excess. */
function tooBig(text: string): string | undefined {
  let tokens = 0;
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    if ((tokens += 1) > MAX_YAML_TOKENS) return `has more than ${MAX_YAML_TOKENS} YAML tokens: more than a Secret manifest needs`;
    if (token === '[' || token === '{') {
      if ((depth += 1) > MAX_FLOW_DEPTH) return `nests [ and { more than ${MAX_FLOW_DEPTH} deep`;
    } else if (token === ']' || token === '}') depth -= 1;
  }
  return undefined;
}

/**
 * The one document of a YAML (1.1, as Smarter's PyYAML reads it) or JSON text. Several documents,
 * aliases past MAX_YAML_ALIASES, tokens past MAX_YAML_TOKENS or MAX_FLOW_DEPTH, and malformed text
 * are refused, by line and column at most: yaml's own messages quote the source, which may hold the value. A key
 * given twice keeps its last value, as PyYAML does (yaml's check for it is quadratic in the keys).
 */
export function parseManifestText(text: string): unknown {
  let documents;
  try {
    const excess = tooBig(text);
    if (excess) throw bodyError(excess);
    documents = parseAllDocuments(text, { schema: 'yaml-1.1', logLevel: 'silent', uniqueKeys: false });
  } catch (error) {
    throw error instanceof ManifestError ? error : bodyError('is not valid YAML');
  }
  if (!Array.isArray(documents) || documents.length !== 1) throw bodyError('must be exactly one YAML document');
  const [document] = documents;
  const error = document!.errors[0];
  if (error) {
    const at = error.linePos?.[0];
    throw bodyError(`is not valid YAML (${error.code}${at ? ` at line ${at.line}, column ${at.col}` : ''})`);
  }
  try {
    return document!.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (cause) {
    // An alias bomb, an alias to nothing, or nesting deeper than the stack.
    throw bodyError(cause instanceof ReferenceError && /alias count/i.test(cause.message) ? `uses more than ${MAX_YAML_ALIASES} aliases` : 'is not valid YAML');
  }
}
