/**
 * Config maps as files, as ACI mounts them in Linux containers: `/mnt/configmap/<container name>/<key>`, one
 * file per key holding its value, updated in place (no restart) when a PUT changes the config map
 * (docs: "Config maps for Azure Container Instances"). The emulator cannot write /mnt, so each group gets a
 * folder standing in for `/mnt/configmap`, passed to its processes as `ACI_EMULATOR_CONFIGMAP_DIR`: a
 * container reads `${ACI_EMULATOR_CONFIGMAP_DIR ?? '/mnt/configmap'}/<its name>/<key>`.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The environment variable that tells a container where its group's `/mnt/configmap` is. */
export const CONFIG_MAP_DIR_ENV = 'ACI_EMULATOR_CONFIGMAP_DIR';

export class ConfigMapStore {
  private readonly root: string;

  constructor(root = join(tmpdir(), `aci-emulator-configmaps-${process.pid}-${randomUUID().slice(0, 8)}`)) {
    this.root = root;
  }

  /** The folder standing in for `/mnt/configmap` in the group with this uid (created on first write). */
  dirFor(uid: string): string {
    return join(this.root, uid);
  }

  /**
   * Makes each container's folder hold exactly its key-value pairs (no pairs: no folder). Files are written
   * whole (temp + rename) so a container polling for a key never reads half a value.
   */
  write(
    uid: string,
    maps: ReadonlyArray<{ container: string; pairs: Readonly<Record<string, string>> | undefined }>,
  ): void {
    for (const { container, pairs } of maps) {
      const dir = join(this.dirFor(uid), container);
      if (pairs === undefined) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      mkdirSync(dir, { recursive: true });
      for (const stale of readdirSync(dir)) if (!(stale in pairs)) rmSync(join(dir, stale), { force: true });
      for (const [key, value] of Object.entries(pairs)) {
        const temp = join(dir, `.${key}.${randomUUID()}.tmp`);
        writeFileSync(temp, value);
        renameSync(temp, join(dir, key));
      }
    }
  }

  remove(uid: string): void {
    rmSync(this.dirFor(uid), { recursive: true, force: true });
  }

  close(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
