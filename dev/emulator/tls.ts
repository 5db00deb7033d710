/**
 * TLS for the emulator: a throw-away CA generated at start-up and a server certificate it signs for
 * 127.0.0.1 and localhost. Clients trust the CA (`tlsOptions: { ca: caPem }` on the Azure SDK client, or
 * NODE_EXTRA_CA_CERTS); the SDK refuses bearer tokens over plain http, hence https.
 */
import { generate } from 'selfsigned';

export interface EmulatorTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export async function generateTls(): Promise<EmulatorTls> {
  const ca = await generate([{ name: 'commonName', value: 'aci-batch ACI emulator CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.private };
}
