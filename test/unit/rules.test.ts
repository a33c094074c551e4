// The contract's field rules (docs/API.md, "Field rules"), each at its edges: the last value
// accepted and the first refused, and the field a refusal names. What create, PATCH, list and the
// identity checks accept is exactly this; the handlers' tests show the same rules over HTTP.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/domain/errors.js';
import { createInput, expireInput, getInput, LIST_LIMIT_MAX, listInput, updateInput } from '../../lib/domain/inputs.js';
import { idempotencyKey, MAX_VALUE_BYTES, parse, revisionMatch, timestamp, userProfileId } from '../../lib/domain/rules.js';

/** The refusal's errors, or 'accepted'. */
function outcome(schema: Parameters<typeof parse>[0], input: unknown): { path: string; message: string }[] | 'accepted' {
  try {
    parse(schema, input);
    return 'accepted';
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.errors;
  }
}
const refusedPaths = (schema: Parameters<typeof parse>[0], input: unknown) => {
  const result = outcome(schema, input);
  return result === 'accepted' ? result : result.map((e) => e.path);
};
/** The top-level fields a refusal names (an annotation's or a tag's error is named inside its field). */
const refusedFields = (schema: Parameters<typeof parse>[0], input: unknown) => {
  const paths = refusedPaths(schema, input);
  return paths === 'accepted' ? paths : [...new Set(paths.map((path) => path.split('.')[0]))];
};
const create = (fields: Record<string, unknown>) => ({ name: 'apiKey', value: 'v', ...fields });

describe('create and PATCH fields', () => {
  const cases: Array<[string, unknown, unknown]> = [
    // [field, last accepted, first refused]
    ['name', `a${'B'.repeat(127)}`, `a${'B'.repeat(128)}`],
    ['name', 'a', ''],
    ['name', 'apiKey2', 'ApiKey'],
    ['name', 'x9', '9x'],
    ['name', 'camelCase', 'snake_case'],
    ['name', 'abc', 'abc '],
    ['value', 'x'.repeat(MAX_VALUE_BYTES), 'x'.repeat(MAX_VALUE_BYTES + 1)],
    ['value', 'é'.repeat(MAX_VALUE_BYTES / 2), `${'é'.repeat(MAX_VALUE_BYTES / 2)}x`],
    ['value', 'x', ''],
    ['value', 'ok \u{1F600}', 'lone \ud800 surrogate'],
    ['description', 'd'.repeat(2048), 'd'.repeat(2049)],
    ['description', '', 7],
    ['description', 'ok \u{1F600}', 'lone \udfff surrogate'],
    ['version', '1.0.0', '1.0'],
    ['version', '1.2.3-rc.1+build.5', '01.2.3'],
    ['version', '0.0.0', 'v1.0.0'],
    ['version', `1.0.0-${'a'.repeat(250)}`, `1.0.0-${'a'.repeat(251)}`],
    ['annotations', Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])), Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']))],
    ['annotations', { ['k'.repeat(128)]: 'v' }, { ['k'.repeat(129)]: 'v' }],
    ['annotations', { k: 'v'.repeat(512) }, { k: 'v'.repeat(513) }],
    ['annotations', { k: '' }, { '': 'v' }],
    ['annotations', {}, { k: 1 }],
    ['annotations', { owner: 'me' }, ['owner']],
    ['annotations', { emoji: '\u{1F600}' }, { lone: '\ud800' }],
    ['annotations', { ['\u{1F600}']: 'v' }, { ['\ud800']: 'v' }],
    ['tags', Array.from({ length: 50 }, (_, i) => `t${i}`), Array.from({ length: 51 }, (_, i) => `t${i}`)],
    ['tags', ['t'.repeat(128)], ['t'.repeat(129)]],
    ['tags', ['A-z_0.9:/=+@'], ['with space']],
    ['tags', ['a', 'b'], ['a', 'a']],
    ['tags', [], ['']],
    ['expiresAt', '2999-01-01T00:00:00Z', '2999-01-01T00:00:00'],
    ['expiresAt', '2999-01-01T00:00:00.123+05:30', '2999-13-01T00:00:00Z'],
  ];

  it.each(cases)('%s: accepts %j and refuses the next, naming the field', (field, accepted, refused) => {
    expect(outcome(createInput, create({ [field]: accepted }))).toBe('accepted');
    expect(refusedFields(createInput, create({ [field]: refused }))).toEqual([field]);
    if (field !== 'name') {
      expect(outcome(updateInput, { [field]: accepted })).toBe('accepted');
      expect(refusedFields(updateInput, { [field]: refused })).toEqual([field]);
    }
  });

  it('names the place inside a field: an annotation by key, a tag by position', () => {
    expect(refusedPaths(createInput, create({ annotations: { good: 'v', bad: 'v'.repeat(513) } }))).toEqual(['annotations.bad']);
    expect(refusedPaths(createInput, create({ tags: ['ok', 'not ok'] }))).toEqual(['tags.1']);
  });

  it('refuses keys that reach a prototype, which zod would drop silently', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const annotations = JSON.parse(`{"${key}": "x", "fine": "y"}`) as unknown;
      expect(outcome(createInput, create({ annotations }))).toEqual([{ path: 'annotations', message: 'reserved key name' }]);
    }
    const parsed = parse(createInput, create({ annotations: { owner: 'me' } }));
    expect(Object.getPrototypeOf(parsed.annotations)).toBeNull();
  });

  it('requires name and value on create, and refuses unknown fields, naming each', () => {
    expect(outcome(createInput, {})).toEqual([
      { path: 'name', message: 'is required' },
      { path: 'value', message: 'is required' },
    ]);
    expect(outcome(createInput, create({ owner: 'x', colour: 'y' }))).toEqual([
      { path: 'owner', message: 'is not a known field' },
      { path: 'colour', message: 'is not a known field' },
    ]);
  });

  it('fills nothing on PATCH and needs at least one field; a name is not a change', () => {
    expect(parse(updateInput, { tags: ['t'] })).toEqual({ tags: ['t'] });
    expect(outcome(updateInput, {})).toEqual([{ path: '', message: 'must name at least one of value, description, version, annotations, tags, expiresAt' }]);
    expect(outcome(updateInput, { name: 'other' })).toEqual([
      { path: 'name', message: 'cannot be changed' },
      { path: '', message: 'must name at least one of value, description, version, annotations, tags, expiresAt' },
    ]);
    expect(parse(updateInput, { expiresAt: null })).toEqual({ expiresAt: null });
    expect(outcome(createInput, create({ expiresAt: null }))).toBe('accepted');
  });

  it('reads timestamps into UTC with milliseconds', () => {
    expect(parse(timestamp, '2030-06-01T12:00:00+02:00')).toBe('2030-06-01T10:00:00.000Z');
    expect(parse(timestamp, '2030-06-01T12:00:00.5Z')).toBe('2030-06-01T12:00:00.500Z');
    expect(refusedPaths(timestamp, 'tomorrow')).toEqual(['']);
  });
});

describe('list query', () => {
  it('takes limit 1-100 as a number or digits, and the documented filters only', () => {
    expect(parse(listInput, { limit: '1' })).toEqual({ limit: 1 });
    expect(parse(listInput, { limit: LIST_LIMIT_MAX })).toEqual({ limit: 100 });
    for (const limit of ['0', '101', 0, 101, '1.5', 2.5, '-1', ' 3', 'ten', '']) expect(refusedPaths(listInput, { limit }), String(limit)).toEqual(['limit']);
    expect(parse(listInput, { prefix: 'a'.repeat(128), tag: 'prod', expired: 'only' })).toMatchObject({ prefix: 'a'.repeat(128) });
    expect(outcome(listInput, { prefix: '' })).toBe('accepted');
    for (const query of [{ prefix: 'a'.repeat(129) }, { prefix: 'a-b' }, { tag: 'a b' }, { tag: '' }, { expired: 'all' }, { cursor: '' }, { cursor: 'c'.repeat(2049) }]) {
      expect(refusedPaths(listInput, query), JSON.stringify(query)).toEqual(Object.keys(query));
    }
    expect(outcome(listInput, { cursor: 'c'.repeat(2048) })).toBe('accepted');
    expect(refusedPaths(listInput, { name: 'x' })).toEqual(['name']);
  });
});

describe('get and expire', () => {
  it('names a secret by name or by id, never both or neither', () => {
    expect(parse(getInput, { name: 'apiKey' })).toEqual({ name: 'apiKey' });
    expect(parse(getInput, { id: '01JD8Z7Q2M5K3V9X4T6B8N0C1R' })).toEqual({ id: '01JD8Z7Q2M5K3V9X4T6B8N0C1R' });
    expect(outcome(getInput, {})).toEqual([{ path: 'name', message: 'name exactly one of name or id' }]);
    expect(refusedPaths(getInput, { name: 'apiKey', id: '01JD8Z7Q2M5K3V9X4T6B8N0C1R' })).toEqual(['name']);
    // A ULID: 26 of Crockford's base32, which has no I, L, O or U.
    for (const id of ['01JD8Z7Q2M5K3V9X4T6B8N0C1', '01JD8Z7Q2M5K3V9X4T6B8N0C1RR', '01JD8Z7Q2M5K3V9X4T6B8N0C1I', '01jd8z7q2m5k3v9x4t6b8n0c1r']) {
      expect(refusedPaths(getInput, { id }), id).toEqual(['id']);
    }
  });

  it('expires at an optional timestamp', () => {
    expect(parse(expireInput, { name: 'apiKey' })).toEqual({ name: 'apiKey' });
    expect(refusedPaths(expireInput, { name: 'apiKey', at: 'soon' })).toEqual(['at']);
  });
});

describe('profile ids', () => {
  it('are 1-256 printable characters in NFC, without whitespace or invisible characters', () => {
    for (const id of ['a', 'x'.repeat(256), 'auth0|123', 'alic\u00e9', '\u0430lice', 'user@example.com']) expect(outcome(userProfileId, id), id).toBe('accepted');
    for (const id of ['', 'x'.repeat(257), 'a b', 'a\tb', 'a\u00a0b', 'a\u200bb', '\u202ea', 'a\u00ad', 'a\u034f', 'a\ufe0f', 'a\u3164', 'alice\u0301', 'a\u0000', 7]) {
      expect(refusedFields(userProfileId, id), JSON.stringify(id)).toEqual(['']);
    }
  });
});

describe('If-Match', () => {
  it('is * or a list of strong entity tags, each a revision; weak tags never match', () => {
    expect(revisionMatch(undefined)).toBeUndefined();
    expect(revisionMatch('*')).toBe('any');
    expect(revisionMatch(' * ')).toBe('any');
    expect(revisionMatch('"3"')).toEqual([3]);
    expect(revisionMatch(' "3" , "5"')).toEqual([3, 5]);
    expect(revisionMatch('W/"3"')).toEqual([]);
    expect(revisionMatch('W/"3", "4"')).toEqual([4]);
    // An entity tag that is not a revision matches nothing either.
    expect(revisionMatch('"abc"')).toEqual([]);
    expect(revisionMatch('"1234567890123456"')).toEqual([]);
    expect(revisionMatch(7)).toEqual([7]);
    expect(revisionMatch(0)).toEqual([0]);
  });

  it('refuses what is not an entity tag, naming If-Match', () => {
    for (const raw of ['3', '"3', '3"', '"3"x', '', ',', '"3",', 'W/3', '"a b"', -1, 1.5, true, null]) {
      expect(() => revisionMatch(raw), JSON.stringify(raw)).toThrow(ValidationError);
      try {
        revisionMatch(raw);
      } catch (error) {
        expect((error as ValidationError).errors.map((e) => e.path)).toEqual(['If-Match']);
      }
    }
  });
});

describe('idempotency keys', () => {
  it('are 1-255 visible ASCII characters', () => {
    for (const key of ['k', '~'.repeat(255), '!', 'c0ffee-uuid-like']) expect(outcome(idempotencyKey, key), key).toBe('accepted');
    for (const key of ['', 'k'.repeat(256), 'a b', 'é', 'a\u007f', 'a\tb', 12]) expect(refusedPaths(idempotencyKey, key), JSON.stringify(key)).toEqual(['']);
  });
});

describe('errors for one field', () => {
  it('are reported under the field a rule was applied to', () => {
    const pathsUnder = (schema: Parameters<typeof parse>[0], input: unknown, field: string) => {
      try {
        parse(schema, input, field);
        return 'accepted';
      } catch (error) {
        return [...new Set((error as ValidationError).errors.map((e) => e.path))];
      }
    };
    expect(pathsUnder(userProfileId, '', 'userProfileId')).toEqual(['userProfileId']);
    expect(pathsUnder(createInput, create({ tags: ['a b'] }), 'body')).toEqual(['body.tags.0']);
  });
});
