/**
 * The image catalogue: which local command stands in for a container image's entrypoint.
 * Keys are exact image names or prefixes ending in `*`; an exact key wins, then the longest prefix.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

/** The repository root: image `cwd`s are relative to it, and the default images file lives there. */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');
export const DEFAULT_IMAGES_FILE = resolve(PROJECT_ROOT, 'emulator.images.yaml');

const imageEntrySchema = z.strictObject({
  /** the image's entrypoint; a container's own `command` replaces it, as in ACI */
  command: z.array(z.string().min(1)).min(1),
  /** working directory, relative to the repository root (default: the root) */
  cwd: z.string().optional(),
});

const imagesFileSchema = z.strictObject({ images: z.record(z.string().min(1), imageEntrySchema) });

export type ImageEntry = z.infer<typeof imageEntrySchema>;
export type ImageMap = Record<string, ImageEntry>;

/** A resolved image: entrypoint and absolute working directory. */
export interface ImageRuntime {
  command: string[];
  cwd: string;
}

export function loadImageMap(file: string): ImageMap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the emulator images file ${file}: ${(error as Error).message}`);
  }
  const result = imagesFileSchema.safeParse(parse(text));
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid emulator images file ${file}:\n${problems.join('\n')}`);
  }
  return result.data.images;
}

export function validateImageMap(images: ImageMap): ImageMap {
  return imagesFileSchema.parse({ images }).images;
}

export function resolveImage(images: ImageMap, image: string): ImageRuntime | undefined {
  let best: { prefix: string; entry: ImageEntry } | undefined;
  for (const [pattern, entry] of Object.entries(images)) {
    if (pattern === image) return toRuntime(entry);
    if (!pattern.endsWith('*')) continue;
    const prefix = pattern.slice(0, -1);
    if (image.startsWith(prefix) && (!best || prefix.length > best.prefix.length)) best = { prefix, entry };
  }
  return best && toRuntime(best.entry);
}

function toRuntime(entry: ImageEntry): ImageRuntime {
  return { command: entry.command, cwd: resolve(PROJECT_ROOT, entry.cwd ?? '.') };
}
