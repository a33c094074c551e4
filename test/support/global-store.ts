// One local DynamoDB for the whole test run (DynamoDB Local where Java runs: a JVM start takes
// seconds), shared by every file through TEST_DYNAMODB_ENDPOINT; each file makes its own tables.
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamodb.js';

let dynamo: LocalDynamo | undefined;

export async function setup(): Promise<void> {
  dynamo = await startLocalDynamo();
  process.env.TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  process.env.TEST_DYNAMODB_KIND = dynamo.kind;
  console.log(`tests run against ${dynamo.kind} on ${dynamo.endpoint}${dynamo.streams ? '' : ' (no streams: stream tests are skipped)'}`);
}

export async function teardown(): Promise<void> {
  await dynamo?.close();
}
