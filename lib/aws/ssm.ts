// SSM GetParameter, the one SSM call the store makes: its key list, a SecureString, as it is
// now or as it was at an earlier version (the `name:version` selector).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsJsonRpc } from './json-rpc.js';

export interface ParameterVersion {
  value: string;
  version: number;
  /** When this version was written, in milliseconds since the epoch. */
  modifiedAt: number;
}

export type GetParameter = (name: string, version?: number) => Promise<ParameterVersion>;

interface GetParameterOutput {
  Parameter?: { Value?: string; Version?: number; LastModifiedDate?: number };
}

export function ssmGetParameter(base: DynamoDBClient, endpoint?: string): GetParameter {
  const ssm = awsJsonRpc(base, { signingName: 'ssm', targetPrefix: 'AmazonSSM', jsonVersion: '1.1', endpoint });
  return async (name, version) => {
    const { Parameter } = await ssm<GetParameterOutput>('GetParameter', {
      Name: version === undefined ? name : `${name}:${version}`,
      WithDecryption: true,
    });
    if (!Parameter?.Value || typeof Parameter.Version !== 'number' || typeof Parameter.LastModifiedDate !== 'number') {
      throw new Error('the parameter has no value, version or modification date');
    }
    // The JSON protocol sends timestamps as epoch seconds.
    return { value: Parameter.Value, version: Parameter.Version, modifiedAt: Parameter.LastModifiedDate * 1000 };
  };
}
