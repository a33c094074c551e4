// SSM GetParameter, the one SSM call the store makes (its key list, a SecureString).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsJsonRpc } from './json-rpc.js';

export interface Parameter {
  value: string;
}

export type GetParameter = (name: string) => Promise<Parameter>;

export function ssmGetParameter(base: DynamoDBClient, endpoint?: string): GetParameter {
  const ssm = awsJsonRpc(base, { signingName: 'ssm', targetPrefix: 'AmazonSSM', jsonVersion: '1.1', endpoint });
  return async (name) => {
    const output = await ssm<{ Parameter?: { Value?: string } }>('GetParameter', { Name: name, WithDecryption: true });
    const value = output.Parameter?.Value;
    if (!value) throw new Error('the parameter has no value');
    return { value };
  };
}
