// Published list prices, us-east-1, as of late 2024: the one place the benchmarks take them from.
// DynamoDB on-demand, Standard table class (https://aws.amazon.com/dynamodb/pricing/on-demand/,
// after the November 2024 reduction): per million write / read request units, per GB-month.
export const DYNAMODB_PER_WRITE_UNIT = 0.625 / 1_000_000;
export const DYNAMODB_PER_READ_UNIT = 0.125 / 1_000_000;
export const DYNAMODB_PER_GB_MONTH = 0.25;
// AWS Secrets Manager (https://aws.amazon.com/secrets-manager/pricing/): per secret-month, per API call.
export const SECRETS_MANAGER_PER_SECRET_MONTH = 0.4;
export const SECRETS_MANAGER_PER_CALL = 0.05 / 10_000;
// AWS Lambda, Arm (https://aws.amazon.com/lambda/pricing/): per GB-second (first tier), per request.
export const LAMBDA_ARM_PER_GB_SECOND = 0.0000133334;
export const LAMBDA_PER_REQUEST = 0.2 / 1_000_000;
// API Gateway HTTP API (https://aws.amazon.com/api-gateway/pricing/): per request, first 300 million.
export const HTTP_API_PER_REQUEST = 1.0 / 1_000_000;
// EventBridge (https://aws.amazon.com/eventbridge/pricing/): custom events put, per 64 KB chunk.
export const EVENTBRIDGE_PER_EVENT = 1.0 / 1_000_000;
