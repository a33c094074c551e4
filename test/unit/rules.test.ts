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
    ['name', 'x9', '9X'],
    ['name', 'snake_case', 'snake__case'],
    ['name', 'openai_api_key', '_leading'],
    ['name', '2fa_seed', 'trailing_'],
    ['name', 'api_key2', 'Api_key'],
    ['name', 'camelCase', 'camel_Case'],
    ['name', '123', 'a-b'],
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
    expect(outcome(updateInput, {})).toEqual([{ path: '', message: 'must name at least one of value, description, version, annotations, tags, expiresAt, visibility, restoreVersion' }]);
    expect(outcome(updateInput, { name: 'other' })).toEqual([
      { path: 'name', message: 'cannot be changed' },
      { path: '', message: 'must name at least one of value, description, version, annotations, tags, expiresAt, visibility, restoreVersion' },
    ]);
    expect(parse(updateInput, { expiresAt: null })).toEqual({ expiresAt: null });
    expect(outcome(createInput, create({ expiresAt: null }))).toBe('accepted');
  });

  it('reads timestamps into UTC with milliseconds', () => {
    expect(parse(timestamp, '2030-06-01T12:00:00+02:00')).toBe('2030-06-01T10:00:00.000Z');
    expect(parse(timestamp, '2030-06-01T12:00:00.5Z')).toBe('2030-06-01T12:00:00.500Z');
    expect(refusedPaths(timestamp, 'tomorrow')).toEqual(['']);
    // The pattern stands between a string and new Date(): every date it lets through is real.
    expect(parse(timestamp, '2028-02-29T23:59:59.999-12:00')).toBe('2028-03-01T11:59:59.999Z');
    expect(parse(timestamp, '0000-01-01T00:00:00Z')).toBe('0000-01-01T00:00:00.000Z');
    for (const t of ['2027-02-29T00:00:00Z', '2030-04-31T00:00:00Z', '2030-01-01T24:00:00Z', '2030-01-01T00:00:60Z', '2030-01-01T00:00:00+24:00']) {
      expect(refusedPaths(timestamp, t), t).toEqual(['']);
    }
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

describe('what a refusal says', () => {
  /** The message of a refusal's only error. */
  const message = (schema: Parameters<typeof parse>[0], input: unknown) => {
    const result = outcome(schema, input);
    if (result === 'accepted') return result;
    expect(result, JSON.stringify(input)).toHaveLength(1);
    return result[0]!.message;
  };

  it('names the rule each field broke, in the words docs/API.md uses', () => {
    const cases: Array<[Parameters<typeof parse>[0], unknown, string]> = [
      [createInput, create({ name: 'ApiKey' }), 'must be camelCase (apiKey) or snake_case (api_key): lowercase letters and digits, camel humps or single underscores between words'],
      [getInput, { id: 'x' }, 'must be a ULID'],
      [userProfileId, 'a b', 'must be printable, without whitespace or invisible characters'],
      [userProfileId, 'alice\u0301', 'must be in Unicode normalization form C'],
      [idempotencyKey, '', 'must be 1-255 visible ASCII characters'],
      [createInput, create({ value: '' }), 'must not be empty'],
      [createInput, create({ value: 'x'.repeat(MAX_VALUE_BYTES + 1) }), 'must be at most 65536 bytes as UTF-8'],
      [createInput, create({ value: '\ud800' }), 'must be well-formed Unicode (no lone surrogates)'],
      [createInput, create({ version: '1.0' }), 'must be a semantic version MAJOR.MINOR.PATCH'],
      [createInput, create({ annotations: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }), 'at most 50 keys'],
      [createInput, create({ tags: ['a b'] }), 'must be 1-128 characters of A-Z a-z 0-9 _ . : / = + @ -'],
      [createInput, create({ tags: ['a', 'a'] }), 'must be unique'],
      [createInput, create({ description: 7 }), 'Invalid input: expected string, received number'],
      [listInput, { limit: 'ten' }, 'must be a whole number from 1 to 100'],
      [listInput, { limit: '3x' }, 'must be a whole number from 1 to 100'],
      [listInput, { limit: '0' }, 'must be a whole number from 1 to 100'],
      [listInput, { limit: 101 }, 'must be a whole number from 1 to 100'],
      [listInput, { limit: 2.5 }, 'must be a whole number from 1 to 100'],
      [listInput, { tag: 'a b' }, 'must be a valid tag'],
      [listInput, { prefix: 'a-b' }, 'must be letters, digits and underscores'],
    ];
    for (const [schema, input, expected] of cases) expect(message(schema, input), JSON.stringify(input).slice(0, 80)).toBe(expected);
    try {
      revisionMatch('3');
    } catch (error) {
      expect((error as ValidationError).errors).toEqual([{ path: 'If-Match', message: 'must be * or quoted revisions such as "3"' }]);
    }
  });

  it('takes every limit and filter the contract lists', () => {
    for (const limit of ['10', '99', 10]) expect(parse(listInput, { limit })).toEqual({ limit: Number(limit) });
    for (const expired of ['exclude', 'include', 'only']) expect(parse(listInput, { expired })).toEqual({ expired });
  });

  it('refuses null annotations as a 400, not a crash', () => {
    expect(refusedFields(createInput, create({ annotations: null }))).toEqual(['annotations']);
    expect(refusedFields(createInput, create({ annotations: 'x' }))).toEqual(['annotations']);
  });
});

describe('semantic versions (semver.org\'s own examples)', () => {
  it('accepts every valid one', () => {
    const valid = [
      '0.0.4', '1.2.3', '10.20.30', '1.1.2-prerelease+meta', '1.1.2+meta', '1.1.2+meta-valid', '1.0.0-alpha', '1.0.0-beta', '1.0.0-alpha.beta',
      '1.0.0-alpha.beta.1', '1.0.0-alpha.1', '1.0.0-alpha0.valid', '1.0.0-alpha.0valid', '1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay',
      '1.0.0-rc.1+build.1', '2.0.0-rc.1+build.123', '1.2.3-beta', '10.2.3-DEV-SNAPSHOT', '1.2.3-SNAPSHOT-123', '2.0.0+build.1848', '2.0.1-alpha.1227',
      '1.0.0-alpha+beta', '1.2.3----RC-SNAPSHOT.12.9.1--.12+788', '1.2.3----R-S.12.9.1--.12+meta', '1.2.3----RC-SNAPSHOT.12.9.1--.12', '1.0.0+0.build.1-rc.10000aaa-kk-0.1',
      '1.0.0-0A.is.legal', '1.0.0-10', '1.0.0-100.200', '1.0.0-x.10.y', '1.0.0-1a', '1.0.0-a.1b',
    ];
    for (const v of valid) expect(outcome(createInput, create({ version: v })), v).toBe('accepted');
  });

  it('refuses every invalid one', () => {
    const invalid = [
      '1', '1.2', '1.2.3-0123', '1.2.3-0123.0123', '1.1.2+.123', '+invalid', '-invalid', '-invalid+invalid', '-invalid.01', 'alpha', 'alpha.beta',
      'alpha.beta.1', 'alpha.1', 'alpha+beta', 'alpha_beta', 'alpha.', 'alpha..', 'beta', '1.0.0-alpha_beta', '-alpha.', '1.0.0-alpha..', '1.0.0-alpha..1',
      '1.0.0-alpha...1', '1.0.0-alpha....1', '1.0.0-alpha.....1', '1.0.0-alpha......1', '1.0.0-alpha.......1', '01.1.1', '1.01.1', '1.1.01', '1.2',
      '1.2.3.DEV', '1.2-SNAPSHOT', '1.2.31.2.3----RC-SNAPSHOT.12.09.1--..12+788', '1.2-RC-SNAPSHOT', '-1.0.3-gamma+b7718', '+justmeta',
      '9.8.7+meta+meta', '9.8.7-whatever+meta+meta', '1.0.0-01', '1.0.0-x.01', '1.0.0+', '1.0.0-', 'v1.0.0', '1.0.0 ', 'x1.0.0', '1.0.0-a b',
    ];
    for (const v of invalid) expect(refusedFields(createInput, create({ version: v })), v).toEqual(['version']);
  });
});

describe('If-Match edges', () => {
  it('reads multi-digit revisions and refuses text before or after a tag', () => {
    expect(revisionMatch('"12"')).toEqual([12]);
    expect(revisionMatch('"123456789012345"')).toEqual([123456789012345]);
    for (const raw of ['x"3"', '"3"x', 'W/"3"x']) expect(() => revisionMatch(raw), raw).toThrow(ValidationError);
    for (const raw of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, '7']) expect(() => revisionMatch(raw), String(raw)).toThrow(ValidationError);
  });
});
