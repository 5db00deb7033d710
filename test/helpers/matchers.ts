/**
 * Vitest's asymmetric matchers typed as the values they stand for (vitest types them `any`), for use inside
 * an expected object: `toEqual({ id: stringMatching(/^run-/) })`.
 */
import { expect } from 'vitest';

/** Any string that matches `pattern`. */
export function stringMatching(pattern: RegExp): string {
  return expect.stringMatching(pattern) as string;
}

/** Any number. */
export function anyNumber(): number {
  return expect.any(Number) as number;
}

/** Any array that contains these items (each may be a matcher). */
export function arrayContaining<T>(items: T[]): T[] {
  return expect.arrayContaining<unknown>(items) as T[];
}

/** Any object that has these properties (and maybe more). */
export function objectContaining<T extends object>(properties: T): T {
  return expect.objectContaining<unknown>(properties) as T;
}
