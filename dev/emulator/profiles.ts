/**
 * `Microsoft.ContainerInstance/containerGroupProfiles` (api-version 2024-05-01-preview and later): revisioned
 * templates of a container group. A profile's properties are a container group's (containers, osType, sku,
 * restartPolicy, ipAddress, priority, ...); every PUT that changes them adds a revision (1, 2, ...), and older
 * revisions stay readable (`.../revisions/{n}`). Profiles carry no identity: the group made from one brings
 * its own.
 *
 * Also here: how a container group PUT names a profile (`properties.containerGroupProfile`, and optionally
 * `standbyPoolProfile`) and how the group is made from the profile (profile properties + the request's
 * per-container config maps, location, tags, identity).
 */
import { z } from 'zod';
import {
  invalidRequestContent,
  locationRequired,
  profileContainerNotFound,
  profileNotFound,
  profileOnlyConfigMap,
  profileRevisionNotFound,
} from './arm-errors';
import { normaliseLocation } from './model';
import { configMapSchema, parseGroupSpec, type GroupSpec } from './spec';

export const PROFILE_TYPE = 'Microsoft.ContainerInstance/containerGroupProfiles';
export const STANDBY_POOL_TYPE = 'Microsoft.StandbyPool/standbyContainerGroupPools';

/**
 * The first api-version that knows container group profiles, standby pools and config maps. A container
 * group PUT with an older one is read as before: the new properties are not looked at (ASSUMPTION: ARM ignores
 * properties an api-version does not define; the body then fails the old validation).
 */
export const PROFILES_API_VERSION = '2024-05-01-preview';

export interface ProfileRef {
  /** ARM id of the profile */
  id: string;
  /** a revision number; undefined: the latest */
  revision?: number;
}

export interface ProfileRevision {
  revision: number;
  spec: GroupSpec;
  /** epoch ms */
  createdAt: number;
}

export interface ProfileRecord {
  key: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  resourceId: string;
  location: string;
  tags?: Record<string, string>;
  /** oldest first; the last is the current revision */
  revisions: ProfileRevision[];
}

export interface ResourceRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}` → its parts (case kept). */
export function parseResourceId(id: string): (ResourceRef & { namespace: string; type: string }) | undefined {
  const match =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/([^/]+)\/([^/]+)\/?$/i.exec(id);
  if (!match) return undefined;
  const [, subscriptionId = '', resourceGroup = '', namespace = '', type = '', name = ''] = match;
  return { subscriptionId, resourceGroup, namespace, type, name };
}

export function resourceKey(ref: ResourceRef): string {
  return `${ref.subscriptionId}/${ref.resourceGroup}/${ref.name}`.toLowerCase();
}

export class ContainerGroupProfiles {
  private readonly profiles = new Map<string, ProfileRecord>();

  find(ref: ResourceRef): ProfileRecord | undefined {
    return this.profiles.get(resourceKey(ref));
  }

  get(ref: ResourceRef): ProfileRecord {
    const profile = this.find(ref);
    if (!profile) throw profileNotFound(ref.resourceGroup, ref.name);
    return profile;
  }

  list(subscriptionId: string, resourceGroup?: string): ProfileRecord[] {
    const prefix =
      `${subscriptionId}/${resourceGroup === undefined ? '' : `${resourceGroup}/`}`.toLowerCase();
    return [...this.profiles.values()]
      .filter((profile) => profile.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * PUT (synchronous, 201 new / 200 existing): validated like a container group; a change of the properties
   * adds a revision, the same properties again keep the current one. ASSUMPTION: numbering starts at 1.
   */
  put(ref: ResourceRef, body: unknown): { created: boolean; profile: ProfileRecord } {
    const parsed = parseGroupSpec(body, ref.name);
    // profiles carry no identity (the group made from one brings its own)
    const { identity: _identity, ...spec } = parsed;
    const existing = this.find(ref);
    const now = Date.now();
    if (existing) {
      const current = existing.revisions.at(-1);
      if (!current || JSON.stringify(current.spec.properties) !== JSON.stringify(spec.properties)) {
        existing.revisions.push({ revision: (current?.revision ?? 0) + 1, spec, createdAt: now });
      } else {
        current.spec = spec;
      }
      existing.tags = spec.tags;
      return { created: false, profile: existing };
    }
    const profile: ProfileRecord = {
      key: resourceKey(ref),
      ...ref,
      resourceId: `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/${PROFILE_TYPE}/${ref.name}`,
      location: spec.location,
      ...(spec.tags && { tags: spec.tags }),
      revisions: [{ revision: 1, spec, createdAt: now }],
    };
    this.profiles.set(profile.key, profile);
    return { created: true, profile };
  }

  delete(ref: ResourceRef): ProfileRecord | undefined {
    const profile = this.find(ref);
    if (profile) this.profiles.delete(profile.key);
    return profile;
  }

  revision(profile: ProfileRecord, revision?: number): ProfileRevision {
    const found =
      revision === undefined
        ? profile.revisions.at(-1)
        : profile.revisions.find((r) => r.revision === revision);
    if (!found) throw profileRevisionNotFound(profile.name, revision ?? 0);
    return found;
  }

  /** The profile revision a reference names (by ARM id; undefined revision: the latest). */
  resolve(ref: ProfileRef): { profile: ProfileRecord; revision: ProfileRevision } {
    const parsed = parseResourceId(ref.id);
    if (!parsed || `${parsed.namespace}/${parsed.type}`.toLowerCase() !== PROFILE_TYPE.toLowerCase()) {
      throw invalidRequestContent(`'${ref.id}' is not the id of a container group profile`);
    }
    const profile = this.get(parsed);
    return { profile, revision: this.revision(profile, ref.revision) };
  }
}

/** What a container group PUT asks of profiles and standby pools. */
export interface ProfileRequest {
  profile: ProfileRef;
  standbyPool?: { id: string; failContainerGroupCreateOnReuseFailure: boolean };
}

const profileReference = z.looseObject({
  id: z.string().min(1),
  revision: z.number().int().nonnegative().optional(),
});
const standbyPoolReference = z.looseObject({
  id: z.string().min(1),
  failContainerGroupCreateOnReuseFailure: z.boolean().optional(),
});

/**
 * The body of a container group PUT that names a profile. ACI then takes everything from the profile and
 * allows only per-container config maps besides the references (azure-cli #30898: "ContainerGroup properties
 * other than config map are not allowed"); `subnetIds` pass (a standby pool's groups may live in a subnet).
 */
const profileBasedGroupSchema = z.looseObject({
  location: z.string().min(1),
  tags: z.record(z.string(), z.string()).optional(),
  identity: z
    .looseObject({
      type: z.string(),
      userAssignedIdentities: z.record(z.string(), z.looseObject({})).optional(),
    })
    .optional(),
  properties: z.strictObject({
    containerGroupProfile: profileReference,
    standbyPoolProfile: standbyPoolReference.optional(),
    containers: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          properties: z.strictObject({ configMap: configMapSchema.optional() }).optional(),
        }),
      )
      .optional(),
    subnetIds: z.array(z.looseObject({ id: z.string() })).optional(),
  }),
});

/** Compares api-versions ("2023-05-01" < "2024-05-01-preview" < "2025-09-01") by their date. */
export function apiVersionAtLeast(apiVersion: string | undefined, minimum: string): boolean {
  return apiVersion !== undefined && apiVersion.slice(0, 10) >= minimum.slice(0, 10);
}

/**
 * The profile and standby pool a container group PUT names, or undefined when it names none (or its
 * api-version predates profiles).
 */
export function profileRequestOf(body: unknown, apiVersion: string | undefined): ProfileRequest | undefined {
  if (!apiVersionAtLeast(apiVersion, PROFILES_API_VERSION)) return undefined;
  const properties = (
    body as { properties?: { containerGroupProfile?: unknown; standbyPoolProfile?: unknown } }
  )?.properties;
  if (typeof properties !== 'object' || properties === null) return undefined;
  if (properties.containerGroupProfile === undefined) {
    if (properties.standbyPoolProfile !== undefined) {
      throw invalidRequestContent('properties.standbyPoolProfile needs properties.containerGroupProfile');
    }
    return undefined;
  }
  const profile = profileReference.safeParse(properties.containerGroupProfile);
  if (!profile.success) throw invalidRequestContent('properties.containerGroupProfile: an id is required');
  const pool =
    properties.standbyPoolProfile === undefined
      ? undefined
      : standbyPoolReference.safeParse(properties.standbyPoolProfile);
  if (pool && !pool.success) throw invalidRequestContent('properties.standbyPoolProfile: an id is required');
  return {
    profile: {
      id: profile.data.id,
      ...(profile.data.revision !== undefined && { revision: profile.data.revision }),
    },
    ...(pool?.success && {
      standbyPool: {
        id: pool.data.id,
        failContainerGroupCreateOnReuseFailure: pool.data.failContainerGroupCreateOnReuseFailure ?? false,
      },
    }),
  };
}

/**
 * The container group a profile-based PUT makes: the profile revision's properties, each container's config
 * map from the request (matched by container name), the request's location, tags, identity and subnets, and
 * the profile reference with its resolved revision.
 */
export function groupFromProfile(
  body: unknown,
  groupName: string,
  profile: ProfileRecord,
  revision: ProfileRevision,
): GroupSpec {
  const parsed = profileBasedGroupSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue?.code === 'unrecognized_keys') throw profileOnlyConfigMap();
    if (issue?.path[0] === 'location') {
      throw locationRequired();
    }
    throw invalidRequestContent(`${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const request = parsed.data;
  const base = structuredClone(revision.spec);
  const overrides = new Map((request.properties.containers ?? []).map((c) => [c.name, c]));
  for (const name of overrides.keys()) {
    if (!base.properties.containers.some((c) => c.name === name)) {
      throw profileContainerNotFound(name, profile.name);
    }
  }
  const { tags: _profileTags, location: _profileLocation, ...rest } = base;
  const merged = {
    ...rest,
    location: request.location,
    ...(request.tags && { tags: request.tags }),
    ...(request.identity && { identity: request.identity }),
    properties: {
      ...base.properties,
      containers: base.properties.containers.map((container) => {
        const configMap = overrides.get(container.name)?.properties?.configMap;
        return configMap ? { ...container, properties: { ...container.properties, configMap } } : container;
      }),
      ...(request.properties.subnetIds && { subnetIds: request.properties.subnetIds }),
      containerGroupProfile: { id: profile.resourceId, revision: revision.revision },
      ...(request.properties.standbyPoolProfile && {
        standbyPoolProfile: request.properties.standbyPoolProfile,
      }),
    },
  };
  return parseGroupSpec(merged, groupName);
}

/** Whether two locations name the same region ("West US" = "westus"). */
export function sameLocation(a: string, b: string): boolean {
  return normaliseLocation(a) === normaliseLocation(b);
}
