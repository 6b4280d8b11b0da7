import { ConfigError, loadConfig } from '../../src/platform/config.js';

describe('configuration', () => {
  it('has documented defaults: port 4000, embedded database, demo data, introspection outside production', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, databaseUrl: undefined, seedDemo: true, introspection: true, logLevel: 'info' });
    expect(loadConfig({ NODE_ENV: 'production' }).introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }).introspection).toBe(true);
  });

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'not a url', LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'not a url', LOG_LEVEL: 'loud' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('DATABASE_URL');
      expect(message).toContain('LOG_LEVEL');
    }
  });

  describe('safe defaults (issue #11)', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
    };

    it('refuses demo mode and demo data with NODE_ENV=production, naming the variable', () => {
      expect(problems({ NODE_ENV: 'production', DEMO_MODE: 'true', DATABASE_URL: 'postgres://h/db' })).toMatch(/DEMO_MODE: .*production/);
      expect(problems({ NODE_ENV: 'production', SEED_DEMO: 'true', DATABASE_URL: 'postgres://h/db' })).toMatch(/SEED_DEMO: .*production/);
      // The embedded database alone does not turn demo mode on in production.
      expect(loadConfig({ NODE_ENV: 'production' }).access.demoMode).toBe(false);
      expect(loadConfig({ NODE_ENV: 'production' }).seedDemo).toBe(false);
    });

    it('loads demo data with DATABASE_URL only when SEED_DEMO says so', () => {
      expect(loadConfig({ DATABASE_URL: 'postgres://h/db' }).seedDemo).toBe(false);
      expect(loadConfig({ DATABASE_URL: 'postgres://h/db', SEED_DEMO: 'true' }).seedDemo).toBe(true);
      expect(loadConfig({}).seedDemo).toBe(true);
    });

    it('listens on loopback in demo mode, and refuses another HOST there', () => {
      expect(loadConfig({}).host).toBe('127.0.0.1');
      expect(loadConfig({ DATABASE_URL: 'postgres://h/db' }).host).toBe('0.0.0.0');
      expect(problems({ HOST: '0.0.0.0' })).toMatch(/HOST: demo mode listens on loopback only/);
      expect(problems({ DATABASE_URL: 'postgres://h/db', DEMO_MODE: 'true', HOST: '10.0.0.5' })).toMatch(/HOST/);
      expect(loadConfig({ HOST: '::1' }).host).toBe('::1');
      expect(loadConfig({ DATABASE_URL: 'postgres://h/db', HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    });

    it('requires JWT_AUDIENCE with JWT_JWKS, and a 32-byte SECRETS_KEY', () => {
      expect(problems({ DATABASE_URL: 'postgres://h/db', JWT_JWKS: 'https://idp.example/jwks.json' })).toMatch(/JWT_AUDIENCE: is required with JWT_JWKS/);
      expect(problems({ DATABASE_URL: 'postgres://h/db', JWT_JWKS: 'https://idp.example/jwks.json', JWT_AUDIENCE: 'harvest-hub' })).toBe('');
      expect(problems({ SECRETS_KEY: 'too-short' })).toMatch(/SECRETS_KEY/);
      expect(loadConfig({ SECRETS_KEY: 'a'.repeat(64) }).secretsKey?.length).toBe(32);
      expect(loadConfig({ SECRETS_KEY: Buffer.alloc(32, 7).toString('base64') }).secretsKey?.length).toBe(32);
    });
  });
});
