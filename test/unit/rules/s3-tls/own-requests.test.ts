import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { assertTls, ClientFactory } from '../../../../shared/aws/clients';

// Nothing here is sent: the endpoint each client would use is only resolved.
const creds = { accessKeyId: 'x', secretAccessKey: 'x' };

describe("the service's own S3 requests use TLS, so its TLS-only bucket policy never denies them", () => {
  it('without an endpoint, S3 and S3 Control resolve https endpoints (aws:SecureTransport is true)', async () => {
    const f = new ClientFactory({ maxAttempts: 1, credentials: creds });
    const s3 = f.get(S3Client, { region: 'eu-west-1' });
    const url = s3.config.endpointProvider({
      Region: 'eu-west-1',
      Bucket: 'some-bucket',
      UseFIPS: false,
      UseDualStack: false,
      ForcePathStyle: false,
      Accelerate: false,
      UseGlobalEndpoint: false,
      UseArnRegion: false,
      DisableMultiRegionAccessPoints: false,
    });
    expect(url.url.protocol).toBe('https:');
    const control = f.get(S3ControlClient, { region: 'eu-west-1' });
    const curl = control.config.endpointProvider({
      Region: 'eu-west-1',
      AccountId: '111122223333',
      RequiresAccountId: true,
      UseFIPS: false,
      UseDualStack: false,
    });
    expect(curl.url.protocol).toBe('https:');
  });

  it('plain http only to a loopback emulator; anywhere else the factory refuses to start', () => {
    expect(() => assertTls('http://127.0.0.1:5000')).not.toThrow();
    expect(() => assertTls('https://s3.eu-west-1.amazonaws.com')).not.toThrow();
    expect(() => new ClientFactory({ endpoint: 'http://s3.eu-west-1.amazonaws.com', maxAttempts: 1 })).toThrow(
      expect.objectContaining({ code: 'UNSAFE_ENDPOINT' }),
    );
    expect(() => assertTls('http://10.0.0.5:9000')).toThrow(/TLS only/);
    expect(() => assertTls('not a url')).toThrow(/TLS only/);
  });
});
