/**
 * The container group definition as PUT on the wire (ARM shape, `properties` nested), validated and with
 * ACI's defaults filled in. Unknown fields pass through untouched and are echoed back. Secrets are kept here
 * (the processes need them) and stripped only when a response is serialised.
 */
import { z } from 'zod';
import {
  type ArmError,
  invalidOsType,
  invalidRequestContent,
  locationRequired,
  resourceRequestsNotSpecified,
  unsupportedByEmulator,
} from './arm-errors';

const port = z.looseObject({
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['TCP', 'UDP']).optional(),
});

const environmentVariable = z.looseObject({
  name: z.string().min(1),
  value: z.string().optional(),
  secureValue: z.string().optional(),
});

const resourceRequests = z.looseObject({ cpu: z.number().positive(), memoryInGB: z.number().positive() });

/**
 * A config map key becomes a file name (`/mnt/configmap/<container>/<key>` in ACI), so it must be one:
 * Kubernetes' ConfigMap key rule (ACI documents none).
 */
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * A container's config map (api-version 2024-05-01-preview and later): `{ keyValuePairs: { key: value } }`.
 * ARM reads property names case-insensitively and a spec example writes `keyvaluepairs`: both are accepted and
 * kept as `keyValuePairs`.
 */
export const configMapSchema = z.preprocess(
  (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const entries = Object.entries(value).map(([key, pairs]): [string, unknown] =>
      key.toLowerCase() === 'keyvaluepairs' ? ['keyValuePairs', pairs] : [key, pairs],
    );
    return Object.fromEntries(entries);
  },
  z.looseObject({
    keyValuePairs: z
      .record(
        z
          .string()
          .regex(CONFIG_MAP_KEY, 'a config map key may hold only letters, digits, "-", "_" and "."')
          .refine((key) => key !== '.' && key !== '..', 'a config map key may not be "." or ".."'),
        z.string(),
      )
      .optional(),
  }),
);

const container = z.looseObject({
  name: z.string().min(1),
  properties: z.looseObject({
    image: z.string().min(1),
    command: z.array(z.string()).default([]),
    ports: z.array(port).default([]),
    environmentVariables: z.array(environmentVariable).default([]),
    resources: z.looseObject({ requests: resourceRequests }),
    configMap: configMapSchema.optional(),
  }),
});

const groupSpecSchema = z.looseObject({
  location: z.string().min(1),
  tags: z.record(z.string(), z.string()).optional(),
  identity: z
    .looseObject({
      type: z.string(),
      userAssignedIdentities: z.record(z.string(), z.looseObject({})).optional(),
    })
    .optional(),
  properties: z.looseObject({
    containers: z.array(container).min(1),
    initContainers: z.array(z.unknown()).default([]),
    osType: z.enum(['Linux', 'Windows']),
    restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).default('Always'),
    ipAddress: z
      .looseObject({
        ports: z.array(port),
        type: z.enum(['Public', 'Private']),
        dnsNameLabel: z.string().optional(),
      })
      .optional(),
    sku: z.string().default('Standard'),
    /** 'Regular' (default) or 'Spot' */
    priority: z.string().optional(),
  }),
});

export type GroupSpec = z.infer<typeof groupSpecSchema>;
export type ContainerSpec = GroupSpec['properties']['containers'][number];
export type RestartPolicy = GroupSpec['properties']['restartPolicy'];

/** Validates a PUT body; errors carry the codes ARM uses for the same mistakes. */
export function parseGroupSpec(body: unknown, groupName: string): GroupSpec {
  const result = groupSpecSchema.safeParse(body);
  if (!result.success) throw toArmError(result.error, body, groupName);
  if (result.data.properties.initContainers.length > 0) throw unsupportedByEmulator('initContainers');
  return result.data;
}

/** Total CPU requested by a group (what the StandardCores quota counts). */
export function requestedCores(spec: GroupSpec): number {
  return spec.properties.containers.reduce((sum, c) => sum + c.properties.resources.requests.cpu, 0);
}

/** A Spot container group (`properties.priority: "Spot"`; ARM enum values are case-insensitive). */
export function isSpot(spec: GroupSpec): boolean {
  return spec.properties.priority?.toLowerCase() === 'spot';
}

/** The config map key-value pairs of each container (undefined: it has none). */
export function configMaps(
  spec: GroupSpec,
): Array<{ container: string; pairs: Record<string, string> | undefined }> {
  return spec.properties.containers.map((c) => ({
    container: c.name,
    pairs: c.properties.configMap?.keyValuePairs,
  }));
}

/** The spec without its config maps: what a config-map-only update leaves unchanged. */
export function withoutConfigMaps(spec: GroupSpec): unknown {
  return {
    ...spec,
    properties: {
      ...spec.properties,
      containers: spec.properties.containers.map(
        ({ properties: { configMap: _c, ...properties }, ...c }) => ({
          ...c,
          properties,
        }),
      ),
    },
  };
}

export function requestedMemoryInGB(spec: GroupSpec): number {
  return spec.properties.containers.reduce((sum, c) => sum + c.properties.resources.requests.memoryInGB, 0);
}

function toArmError(error: z.ZodError, body: unknown, groupName: string): ArmError {
  const issue = error.issues[0];
  const path = issue?.path ?? [];
  if (path[0] === 'location') return locationRequired();
  if (path[0] === 'properties' && path[1] === 'osType') return invalidOsType(groupName);
  if (path[1] === 'containers' && path.includes('resources') && typeof path[2] === 'number') {
    return resourceRequestsNotSpecified(containerNameAt(body, path[2]), groupName);
  }
  return invalidRequestContent(`${path.join('.')}: ${issue?.message ?? 'invalid'}`);
}

function containerNameAt(body: unknown, index: number): string {
  const parsed = z
    .object({ properties: z.object({ containers: z.array(z.object({ name: z.string() }).partial()) }) })
    .safeParse(body);
  return (parsed.success && parsed.data.properties.containers[index]?.name) || '<null>';
}
