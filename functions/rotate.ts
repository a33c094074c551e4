import { parse, rotateInput } from '../lib/domain/schema.js';
import { secretFunction } from '../lib/http/handler.js';
import { fernetKeys } from '../lib/http/keys.js';
import { logger } from '../lib/runtime/clients.js';
import { secretServiceFor } from '../lib/runtime/services.js';

const RESERVE_MS = 2_000;

export const handler = secretFunction(
  async ({ input }, keys, context) => {
    parse(rotateInput, input);
    const { failed, ...report } = await secretServiceFor(keys).rotate({
      timeLeft: () => context.getRemainingTimeInMillis(),
      reserveMs: RESERVE_MS,
      onFailure: (item) => logger.error('secret cannot be decrypted for rotation', { profileId: item.profileId, name: item.name, id: item.id }),
    });
    logger.info('rotation finished', { ...report, failed });
    return { status: 200, body: { ...report, failed } };
  },
  { profile: 'none', keys: fernetKeys },
);
