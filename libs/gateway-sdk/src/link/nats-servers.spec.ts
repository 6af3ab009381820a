import { natsServers, hideCredentials } from './nats-servers';

describe('a bus address', () => {
  it('gives nats.js the servers without credentials, and the credentials as options', () => {
    expect(natsServers('nats://127.0.0.1:4222')).toEqual({ servers: ['nats://127.0.0.1:4222'] });
    expect(natsServers('nats://node:p%40ss@a:4222, nats://b')).toEqual({ servers: ['nats://a:4222', 'nats://b:4222'], user: 'node', pass: 'p@ss' });
    expect(natsServers('nats://s3cret@a:4222')).toEqual({ servers: ['nats://a:4222'], token: 's3cret' });
    expect(natsServers('tls://a:4222')).toEqual({ servers: ['tls://a:4222'], tls: {} });
  });

  it('refuses what is not a NATS URL, naming it without its password', () => {
    expect(() => natsServers('http://a:4222')).toThrow('not "http://a:4222"');
    expect(() => natsServers('nats://u:pw@a:4222,not a url')).toThrow('not "not a url"');
    expect(() => natsServers('nats://u:pw@')).toThrow('not "nats://***@"');
    expect(hideCredentials('nats://u:pw@a:1,nats://t@b:2')).toBe('nats://***@a:1,nats://***@b:2');
    expect(hideCredentials('mqtt://u:p@ss@broker:1883/x')).toBe('mqtt://***@broker:1883/x');
  });
});
