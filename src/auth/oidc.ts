import { createHash, randomBytes } from 'node:crypto';
import type * as OpenIdClient from 'openid-client';
import type { Kysely } from 'kysely';
import { toJson, type Database } from '../db/schema.ts';
import type { Principal } from './api-token.service.ts';
import { endSessionsOfLandeskonto, identityFromClaims, OidcRoleRefusedError, principalForLandeskonto } from './oidc-identity.ts';
import type { OidcSettings } from './oidc.settings.ts';

/**
 * The staff's sign-in through the Land's identity provider: OpenID Connect's authorization
 * code flow with PKCE, state and nonce, through openid-client (v6, panva's certified
 * relying party). The provider's metadata is discovered on first use and kept; a failed
 * discovery is not kept, so the next sign-in tries again.
 *
 * The flow's secrets (state, nonce, PKCE verifier, the way back) stay on the server: a
 * row in staff_session under the hash of a random id that only the browser's short-lived
 * transaction cookie carries – never in the query, never in a cookie's value. The
 * provider's answer is taken once: the row is deleted as it is read, so a replayed
 * callback finds nothing. Why not the staff session itself: its cookie is SameSite=Strict,
 * and a browser coming back from the provider (another site) does not send it.
 */

/** The provider does not answer (discovery, token endpoint): the page says 503, try later. */
export class OidcUnavailableError extends Error {
  constructor(cause: unknown) {
    super('Der Identitätsanbieter ist nicht erreichbar', { cause });
    this.name = 'OidcUnavailableError';
  }
}

/** The provider's answer is refused (expired, replayed, forged, or an error from the provider): 400, no session. */
export class OidcSignInError extends Error {
  /** The provider's own error code (`access_denied`, …) when it sent one. */
  readonly providerError: string | null;
  constructor(message: string, providerError: string | null = null, cause?: unknown) {
    super(message, { cause });
    this.name = 'OidcSignInError';
    this.providerError = providerError;
  }
}

export { OidcRoleRefusedError };

/** How long a started sign-in may take at the provider. */
export const OIDC_TRANSACTION_MS = 10 * 60_000;
/** Discovery and token requests give up after this many seconds. */
const PROVIDER_TIMEOUT_SECONDS = 10;

interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnPath: string | null;
}

export interface OidcSignInDeps {
  db: Kysely<Database>;
  now: () => Date;
}

export interface CompletedSignIn {
  principal: Principal;
  returnPath: string | null;
}

type Client = typeof OpenIdClient;
let clientModule: Promise<Client> | undefined;
/** openid-client is loaded on the first sign-in through the provider, not at the service's start. */
const loadClient = (): Promise<Client> => (clientModule ??= import('openid-client'));

/** The transaction row's key: a prefix no session id hash can have, so the session store never meets it. */
function transactionHash(transactionId: string): string {
  return createHash('sha256').update(`oidc-anmeldung\n${transactionId}`, 'utf8').digest('hex');
}

export interface OidcSignIn {
  readonly settings: OidcSettings;
  /** Starts a sign-in: the provider's authorization URL and the transaction id for the browser's cookie. */
  begin(returnPath: string | null): Promise<{ authorizationUrl: URL; transactionId: string }>;
  /** Takes the provider's answer (the callback's query) for the transaction; the principal to sign in. */
  complete(transactionId: string | undefined, callbackQuery: string): Promise<CompletedSignIn>;
  /** The provider's end-session URL, if it has one (and answers). */
  endSessionUrl(): Promise<URL | null>;
}

export function createOidcSignIn(settings: OidcSettings, deps: OidcSignInDeps): OidcSignIn {
  const { db, now } = deps;
  let discovered: Promise<OpenIdClient.Configuration> | null = null;

  function configuration(): Promise<OpenIdClient.Configuration> {
    discovered ??= loadClient()
      .then((client) => client.discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret ?? undefined, settings.clientSecret ? undefined : client.None(), {
        timeout: PROVIDER_TIMEOUT_SECONDS,
        // plain HTTP only on loopback (config.ts refuses it elsewhere): a local test provider
        ...(new URL(settings.issuer).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
      }))
      .catch((error: unknown) => {
        discovered = null;
        throw new OidcUnavailableError(error);
      });
    return discovered;
  }

  async function takeTransaction(transactionId: string): Promise<PendingSignIn | null> {
    const row = await db
      .deleteFrom('staff_session')
      .where('id_hash', '=', transactionHash(transactionId))
      .where('token_id', 'is', null)
      .returning(['data', 'expires_at'])
      .executeTakeFirst();
    if (!row || row.expires_at.getTime() <= now().getTime()) return null;
    const pending = row.data.oidcAnmeldung as PendingSignIn | undefined;
    return pending && typeof pending.state === 'string' ? pending : null;
  }

  return {
    settings,

    async begin(returnPath) {
      const config = await configuration();
      const client = await loadClient();
      const pending: PendingSignIn = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
        returnPath,
      };
      const transactionId = randomBytes(32).toString('base64url');
      const at = now();
      await db
        .insertInto('staff_session')
        .values({
          id_hash: transactionHash(transactionId),
          token_id: null,
          data: toJson({ oidcAnmeldung: pending }),
          created_at: at,
          expires_at: new Date(at.getTime() + OIDC_TRANSACTION_MS),
        })
        .execute();
      const authorizationUrl = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUrl,
        scope: settings.scopes,
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
      });
      return { authorizationUrl, transactionId };
    },

    async complete(transactionId, callbackQuery) {
      const pending = transactionId ? await takeTransaction(transactionId) : null;
      if (!pending) {
        throw new OidcSignInError('Diese Anmeldung ist abgelaufen, wurde schon verwendet oder in einem anderen Browser begonnen.');
      }
      const config = await configuration();
      const client = await loadClient();
      // the registered redirect URL with the provider's parameters: right behind a proxy too
      const currentUrl = new URL(settings.redirectUrl);
      currentUrl.search = callbackQuery;
      let tokens: Awaited<ReturnType<Client['authorizationCodeGrant']>>;
      try {
        tokens = await client.authorizationCodeGrant(config, currentUrl, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        throw refusalOf(client, error);
      }
      const idClaims = tokens.claims();
      if (!idClaims) throw new OidcSignInError('Der Identitätsanbieter hat kein ID-Token übermittelt.');
      let claims: Record<string, unknown> = { ...idClaims };
      const userInfoEndpoint = config.serverMetadata().userinfo_endpoint;
      // many providers put profile and role claims only into UserInfo
      if (userInfoEndpoint && tokens.access_token) {
        try {
          const userInfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
          claims = { ...userInfo, ...idClaims };
        } catch (error) {
          throw refusalOf(client, error);
        }
      }
      let identity;
      try {
        identity = identityFromClaims(claims, settings);
      } catch (error) {
        if (error instanceof OidcRoleRefusedError) await endSessionsOfLandeskonto(db, settings.issuer, idClaims.sub);
        throw error;
      }
      const principal = await principalForLandeskonto(db, settings.issuer, identity);
      if (!principal) throw new OidcRoleRefusedError('Ihr Zugang zu efa-rollout wurde widerrufen. Bitte wenden Sie sich an den Betrieb oder Ihr Ministerium.');
      return { principal, returnPath: pending.returnPath };
    },

    async endSessionUrl() {
      let config: OpenIdClient.Configuration;
      try {
        config = await configuration();
      } catch {
        return null;
      }
      if (!config.serverMetadata().end_session_endpoint) return null;
      return (await loadClient()).buildEndSessionUrl(config, { client_id: settings.clientId, post_logout_redirect_uri: settings.postLogoutRedirectUrl });
    },
  };
}

/** openid-client's errors as the page's: the provider unreachable (503) or its answer refused (400). */
function refusalOf(client: Client, error: unknown): Error {
  if (error instanceof client.AuthorizationResponseError) {
    return new OidcSignInError('Der Identitätsanbieter hat die Anmeldung nicht bestätigt.', error.error, error);
  }
  if (error instanceof client.ResponseBodyError) {
    return new OidcSignInError('Der Identitätsanbieter hat die Anmeldung nicht bestätigt.', error.error, error);
  }
  if (isUnreachable(error)) return new OidcUnavailableError(error);
  return new OidcSignInError('Die Antwort des Identitätsanbieters ließ sich nicht prüfen.', null, error);
}

/** A network failure or timeout, not a refusal: fetch's TypeError, an abort, or a provider's 5xx. */
function isUnreachable(error: unknown): boolean {
  if (error instanceof TypeError) return true;
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return true;
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof TypeError || (cause instanceof Error && (cause.name === 'AbortError' || cause.name === 'TimeoutError'))) return true;
  const status = (error as { status?: unknown; cause?: { status?: unknown } })?.cause?.status;
  return typeof status === 'number' && status >= 500;
}
