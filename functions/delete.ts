import { parse, deleteInput } from '../lib/domain/schema.js';
import { secretFunction } from '../lib/http/handler.js';
import { secretServiceFor } from '../lib/runtime/services.js';

export const handler = secretFunction(
  async ({ profileId, input }) => {
    const { name } = parse(deleteInput, input);
    await secretServiceFor().delete(profileId, name);
    return { status: 204 };
  },
);
