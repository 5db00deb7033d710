/**
 * Loopback addresses for container groups, one per group so each can listen on its declared ports:
 * 127.0.0.2 … 127.0.0.254 first, then 127.0.1.2 … (Linux routes all of 127.0.0.0/8 to the loopback interface).
 * Released addresses are reused, lowest first.
 */
const HOSTS_PER_BLOCK = 253;
const MAX_ADDRESSES = 256 * HOSTS_PER_BLOCK;

export class LoopbackPool {
  private readonly used = new Set<number>();

  allocate(): string {
    for (let index = 0; index < MAX_ADDRESSES; index++) {
      if (!this.used.has(index)) {
        this.used.add(index);
        return addressOf(index);
      }
    }
    throw new Error('The emulator ran out of loopback addresses');
  }

  release(address: string): void {
    const [, , block, host] = address.split('.').map(Number);
    if (block === undefined || host === undefined) return;
    this.used.delete(block * HOSTS_PER_BLOCK + host - 2);
  }
}

function addressOf(index: number): string {
  return `127.0.${Math.floor(index / HOSTS_PER_BLOCK)}.${2 + (index % HOSTS_PER_BLOCK)}`;
}
