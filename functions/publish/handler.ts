import { streamFunction } from '../../lib/lambda/stream-function.js';

export const handler = streamFunction();
