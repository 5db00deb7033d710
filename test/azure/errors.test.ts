/**
 * The error classifier, fed with errors made by the real Azure SDK: a client whose HTTP client answers with
 * canned ARM responses (no retries), so RestErrors and LRO failures have exactly the SDK's shape.
 */
import { ContainerInstanceManagementClient, type ContainerGroup } from '@azure/arm-containerinstance';
import {
  createHttpHeaders,
  RestError,
  type HttpClient,
  type PipelineRequest,
} from '@azure/core-rest-pipeline';
import { CredentialUnavailableError } from '@azure/identity';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { emulatorCredential } from '../../src/azure/client';
import {
  DEFAULT_THROTTLE_DELAY_MS,
  NO_CAPACITY_RETRY_DELAY_MS,
  QUOTA_RETRY_DELAY_MS,
  describeArmError,
  redact,
  toAciFailure,
} from '../../src/azure/errors';
import { AciFailureType } from '../../src/shared/failures';
import { retryAfterCapPolicy, retryAfterMs } from '../../src/azure/retry-after';

interface CannedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const GROUP = { resourceGroup: 'rg', name: 'cg1' };
const OP_URL =
  'https://arm.test/subscriptions/s/providers/Microsoft.ContainerInstance/locations/eastus/operations/op1';
const BODY: ContainerGroup = {
  location: 'eastus',
  containers: [{ name: 'job', image: 'node:20', resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
  osType: 'Linux',
};

function clientAnswering(
  answer: (request: PipelineRequest) => CannedResponse,
  maxRetries = 0,
): ContainerInstanceManagementClient {
  const httpClient: HttpClient = {
    sendRequest: async (request) => {
      const { status, body, headers } = answer(request);
      return {
        request,
        status,
        headers: createHttpHeaders({ 'content-type': 'application/json', ...headers }),
        bodyAsText: body === undefined ? '' : JSON.stringify(body),
      };
    },
  };
  return new ContainerInstanceManagementClient(emulatorCredential, 's', {
    endpoint: 'https://arm.test',
    httpClient,
    retryOptions: { maxRetries, retryDelayInMs: 1 },
    additionalPolicies: [{ policy: retryAfterCapPolicy(), position: 'perRetry' }],
  });
}

/** The error the SDK throws for a GET answered with this response. */
async function getError(response: CannedResponse): Promise<unknown> {
  return clientAnswering(() => response)
    .containerGroups.get('rg', 'cg1')
    .then(
      () => expect.fail('expected the GET to fail'),
      (error: unknown) => error,
    );
}

/** The error the SDK throws when a create's operation ends Failed with this error body. */
async function lroError(error: { code?: string; message?: string }): Promise<unknown> {
  const client = clientAnswering((request) =>
    request.method === 'PUT'
      ? { status: 201, body: { ...BODY, properties: {} }, headers: { 'azure-asyncoperation': OP_URL } }
      : { status: 200, body: { id: 'x', status: 'Failed', error } },
  );
  return client.containerGroups.beginCreateOrUpdateAndWait('rg', 'cg1', BODY, { updateIntervalInMs: 1 }).then(
    () => expect.fail('expected the operation to fail'),
    (e: unknown) => e,
  );
}

const armError = (code: string, message = `${code} happened`) => ({ error: { code, message } });

function classify(error: unknown, secrets: string[] = []): ApplicationFailure {
  return toAciFailure(error, { operation: 'create container group', group: GROUP, secrets });
}

describe('toAciFailure with RestErrors', () => {
  it('429 with Retry-After: throttled, retry after the delay ARM asked for', async () => {
    const failure = classify(
      await getError({ status: 429, body: armError('TooManyRequests'), headers: { 'retry-after': '7' } }),
    );
    expect(failure.type).toBe(AciFailureType.throttled);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(7000);
  });

  it('429 without Retry-After: throttled, retry after a default delay (the SDK does not retry these)', async () => {
    const failure = classify(await getError({ status: 429, body: armError('TooManyRequests') }));
    expect(failure.type).toBe(AciFailureType.throttled);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(DEFAULT_THROTTLE_DELAY_MS);
  });

  it("429 with ACI's create budget used up: quota, retry after minutes", async () => {
    const failure = classify(
      await getError({
        status: 429,
        body: armError('TooManyRequests'),
        headers: { 'retry-after': '30', 'x-ms-ratelimit-remaining-subscription-resource-requests-pt5m': '0' },
      }),
    );
    expect(failure.type).toBe(AciFailureType.quotaExceeded);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(QUOTA_RETRY_DELAY_MS);
  });

  it("ACI's own 429 (ResourceRequestsThrottled): quota, retry after the longer of Retry-After and minutes", async () => {
    const failure = classify(
      await getError({
        status: 429,
        body: armError('ResourceRequestsThrottled'),
        headers: { 'retry-after': '400' },
      }),
    );
    expect(failure.type).toBe(AciFailureType.quotaExceeded);
    expect(failure.nextRetryDelay).toBe(400_000);
  });

  it('ContainerGroupQuotaReached: quota, retryable after minutes, message kept', async () => {
    const message =
      "Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota 'StandardCores' exceeded in region 'eastus'. Limit: '10', Usage: '10' Requested: '1'.";
    const failure = classify(
      await getError({ status: 400, body: armError('ContainerGroupQuotaReached', message) }),
    );
    expect(failure.type).toBe(AciFailureType.quotaExceeded);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(QUOTA_RETRY_DELAY_MS);
    expect(failure.message).toBe(
      `create container group rg/cg1 failed (ContainerGroupQuotaReached, HTTP 400): ${message}`,
    );
    expect(failure.details).toEqual([
      {
        statusCode: 400,
        code: 'ContainerGroupQuotaReached',
        operation: 'create container group',
        group: GROUP,
        // workflows read the wait from the details: the SDK does not hand them nextRetryDelay
        retryAfterMs: failure.nextRetryDelay,
      },
    ]);
  });

  it.each([
    [400, 'InaccessibleImage', AciFailureType.imageInaccessible],
    [400, 'InvalidContainerGroupName', AciFailureType.invalidSpec],
    [400, 'ContainerLimitGreaterThanContainerGroupTotalRequest', AciFailureType.invalidSpec],
    [404, 'ResourceGroupNotFound', AciFailureType.notFound],
    [404, 'ResourceNotFound', AciFailureType.notFound],
    [401, 'InvalidAuthenticationToken', AciFailureType.authFailed],
    [403, 'AuthorizationFailed', AciFailureType.authFailed],
    [403, 'SomethingForbidden', AciFailureType.authFailed],
    [409, 'ContainerGroupStopped', AciFailureType.invalidState],
  ])('%i %s: %s, not retryable', async (status, code, type) => {
    const failure = classify(await getError({ status, body: armError(code) }));
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.nextRetryDelay).toBeUndefined();
  });

  it.each([
    [409, 'RegistryErrorResponse'],
    [409, 'Conflict'],
    [409, 'ContainerGroupTransitioning'],
    [500, 'InternalServerError'],
    [502, 'BadGateway'],
    [408, 'RequestTimeout'],
  ])('%i %s: transient, retryable', async (status, code) => {
    const failure = classify(await getError({ status, body: armError(code) }));
    expect(failure.type).toBe(AciFailureType.transient);
    expect(failure.nonRetryable).toBe(false);
  });

  it('409 ServiceUnavailable (ACI: not available in the location now): no capacity, retryable', async () => {
    const failure = classify(await getError({ status: 409, body: armError('ServiceUnavailable') }));
    expect(failure.type).toBe(AciFailureType.noCapacity);
    expect(failure.nonRetryable).toBe(false);
  });

  it('503 with Retry-After: transient, retry after the delay', async () => {
    const failure = classify(
      await getError({ status: 503, body: armError('ServiceUnavailable'), headers: { 'retry-after': '3' } }),
    );
    expect(failure.type).toBe(AciFailureType.transient);
    expect(failure.nextRetryDelay).toBe(3000);
  });

  it('a 5xx without a JSON error body is still transient', async () => {
    const failure = classify(await getError({ status: 502, headers: { 'content-type': 'text/html' } }));
    expect(failure.type).toBe(AciFailureType.transient);
    expect(failure.message).toContain('HTTP 502');
  });

  it('a refused connection is transient', () => {
    const failure = classify(new RestError('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }));
    expect(failure.type).toBe(AciFailureType.transient);
    expect(failure.nonRetryable).toBe(false);
  });
});

describe('toAciFailure with failed long-running operations', () => {
  it('reads the code from the LRO error message: InaccessibleImage is not retryable', async () => {
    const error = await lroError({
      code: 'InaccessibleImage',
      message:
        "The image 'acme.azurecr.io/nope:1' in container group 'cg1' is not accessible. Please check the image and registry credential.",
    });
    expect(error).not.toBeInstanceOf(RestError);
    expect((error as Error).message).toMatch(/^The long-running operation has failed\. InaccessibleImage\. /);
    const failure = classify(error);
    expect(failure.type).toBe(AciFailureType.imageInaccessible);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe(
      "create container group rg/cg1 failed (InaccessibleImage): The image 'acme.azurecr.io/nope:1' in container group 'cg1' is not accessible. Please check the image and registry credential.",
    );
  });

  it.each(['ServiceUnavailable', 'InsufficientCapacity'])(
    '%s: no capacity in the region, retryable after a minute (or elsewhere)',
    async (code) => {
      const failure = classify(await lroError({ code, message: 'The requested resource is not available.' }));
      expect(failure.type).toBe(AciFailureType.noCapacity);
      expect(failure.nonRetryable).toBe(false);
      expect(failure.nextRetryDelay).toBe(NO_CAPACITY_RETRY_DELAY_MS);
    },
  );

  it.each(['RegistryErrorResponse', 'SomethingNew'])('%s: transient, retryable', async (code) => {
    const failure = classify(await lroError({ code, message: 'The requested resource is not available.' }));
    expect(failure.type).toBe(AciFailureType.transient);
    expect(failure.nonRetryable).toBe(false);
    expect(describeArmError(await lroError({ code, message: 'x.' })).code).toBe(code);
  });

  it('ContainerGroupQuotaReached: quota', async () => {
    const failure = classify(
      await lroError({ code: 'ContainerGroupQuotaReached', message: 'quota exceeded.' }),
    );
    expect(failure.type).toBe(AciFailureType.quotaExceeded);
    expect(failure.nextRetryDelay).toBe(QUOTA_RETRY_DELAY_MS);
  });

  it('an operation that failed without an error code is transient', async () => {
    const error = await lroError({ message: 'it broke' });
    expect((error as Error).message).toBe('The long-running operation has failed');
    const failure = classify(error);
    expect(failure.type).toBe(AciFailureType.transient);
    expect(failure.message).toBe(
      'create container group rg/cg1 failed: The long-running operation has failed',
    );
  });
});

describe('toAciFailure, other inputs', () => {
  it('keeps secrets out of messages', async () => {
    const error = await getError({
      status: 400,
      body: armError(
        'InvalidEnvironmentVariable',
        "value 'hunter2-long' of TOKEN (prefix hunter2) is invalid",
      ),
    });
    const failure = classify(error, ['hunter2', 'hunter2-long']);
    expect(failure.message).toContain("value '***' of TOKEN (prefix ***) is invalid");
    expect(failure.message).not.toContain('hunter2');
  });

  it('a credential that cannot get a token: auth, not retryable', () => {
    const failure = classify(new CredentialUnavailableError('ManagedIdentityCredential: no IMDS endpoint'));
    expect(failure.type).toBe(AciFailureType.authFailed);
    expect(failure.nonRetryable).toBe(true);
  });

  it('passes an ApplicationFailure through untouched', () => {
    const original = ApplicationFailure.nonRetryable('taken', AciFailureType.groupConflict);
    expect(classify(original)).toBe(original);
  });

  it('truncates very long messages', () => {
    const failure = classify(new Error('x'.repeat(5000)));
    expect(failure.message.length).toBeLessThan(700);
    expect(failure.message.endsWith('…')).toBe(true);
  });
});

describe('retryAfterCapPolicy', () => {
  it('lets the SDK wait out a short Retry-After itself', async () => {
    let calls = 0;
    const client = clientAnswering(
      () =>
        ++calls === 1
          ? { status: 429, body: armError('TooManyRequests'), headers: { 'retry-after-ms': '20' } }
          : { status: 200, body: { ...BODY, properties: {} } },
      3,
    );
    await client.containerGroups.get('rg', 'cg1');
    expect(calls).toBe(2);
  });

  it('hands a long Retry-After to the activity retry policy instead of sleeping in the SDK', async () => {
    let calls = 0;
    const started = Date.now();
    const error = await clientAnswering(() => {
      calls++;
      return { status: 429, body: armError('TooManyRequests'), headers: { 'retry-after': '120' } };
    }, 3)
      .containerGroups.get('rg', 'cg1')
      .catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    const failure = classify(error);
    expect(failure.type).toBe(AciFailureType.throttled);
    expect(failure.nextRetryDelay).toBe(120_000);
  });
});

describe('retryAfterMs', () => {
  const headers = (values: Record<string, string>) => (name: string) => values[name];

  it('reads seconds, milliseconds and HTTP dates', () => {
    expect(retryAfterMs(headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(headers({ 'retry-after-ms': '150', 'retry-after': '9' }))).toBe(150);
    expect(retryAfterMs(headers({ 'x-ms-retry-after-ms': '40' }))).toBe(40);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(headers({}))).toBeUndefined();
  });
});

describe('redact', () => {
  it('hides the longest secret first and ignores empty ones', () => {
    expect(redact('abc abcdef', ['abc', 'abcdef', ''])).toBe('*** ***');
  });
});
