import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';
import { freeLoopbackPort } from './net.ts';

/**
 * A real OpenID provider on loopback for the sign-in tests: panva's oidc-provider (the
 * certified OP, Koa-based) with one static confidential client, PKCE required, and its
 * development interactions – a login form that takes any account name and a consent
 * form – which the test fills in as a person would. Accounts and their claims are the
 * test's; the role and ministry claims come with the scope `efa` (in UserInfo, as
 * oidc-provider delivers scope claims when an access token is issued).
 */

export interface TestAccount {
  name: string;
  roles?: string[];
  ministerium?: string;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

export async function startTestProvider(
  t: Teardown,
  options: {
    redirectUri: string;
    postLogoutRedirectUri: string;
    accounts: Record<string, TestAccount>;
    /** The issuer's host name: `localhost` makes the provider another site than the service on 127.0.0.1 (for a browser's SameSite rules). */
    hostName?: '127.0.0.1' | 'localhost';
  },
): Promise<TestProvider> {
  const port = await freeLoopbackPort();
  const issuer = `http://${options.hostName ?? '127.0.0.1'}:${port}`;
  const clientId = 'efa-rollout';
  const clientSecret = 'ein-geheimnis-nur-fuer-den-test-0123456789';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        post_logout_redirect_uris: [options.postLogoutRedirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    scopes: ['openid', 'profile', 'efa'],
    claims: { openid: ['sub'], profile: ['name'], efa: ['roles', 'ministerium'] },
    async findAccount(_ctx, id) {
      const account = options.accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
    cookies: { keys: ['schluessel-nur-fuer-den-test-0123456789'] },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  });
  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  t.teardown(close);
  return { issuer, clientId, clientSecret, close };
}
