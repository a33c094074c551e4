// Module-scope singletons, created once per cold start and reused by every invocation.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../config.js';

export const config = loadConfig();

export const logger = new Logger({ serviceName: 'secret-store' });

/** Also lends its credentials, signer inputs and HTTP handler to lib/aws/json-rpc.ts. */
export const dynamoClient = new DynamoDBClient({
  ...(config.DYNAMODB_ENDPOINT && { endpoint: config.DYNAMODB_ENDPOINT }),
  maxAttempts: 4,
});

export const dynamo = DynamoDBDocumentClient.from(dynamoClient, { marshallOptions: { removeUndefinedValues: true } });
