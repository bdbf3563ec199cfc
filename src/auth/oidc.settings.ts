import type { Role } from './roles.ts';

/**
 * The settings of the staff's sign-in through the Land's identity provider (OpenID
 * Connect), as config.ts reads them from OIDC_*. Apart from the client (oidc.ts) so that
 * reading the configuration loads no OpenID library.
 */
export interface OidcSettings {
  /** OIDC_ISSUER: the provider's issuer identifier; its discovery document lies below it. */
  readonly issuer: string;
  readonly clientId: string;
  /** OIDC_CLIENT_SECRET; null: a public client (PKCE alone, no client authentication). */
  readonly clientSecret: string | null;
  /** OIDC_REDIRECT_URL: this service's OIDC_CALLBACK_PATH as the provider sees it, registered there. */
  readonly redirectUrl: string;
  /** Where the provider's end-session endpoint sends the person back (registered there as post-logout redirect URI). */
  readonly postLogoutRedirectUrl: string;
  /** OIDC_SCOPES, space-separated, with `openid`. */
  readonly scopes: string;
  /** OIDC_ROLE_CLAIM: the claim whose value (a string or a list of them) names the role; dots reach into objects. */
  readonly roleClaim: string;
  /** OIDC_ROLE_MAP: the role claim's values and the roles of efa-rollout they stand for. */
  readonly roleMap: Readonly<Record<string, Role>>;
  /** OIDC_MINISTRY_CLAIM: for the role `ministry`, the claim naming its ministry (Kürzel, e.g. MSGIV). */
  readonly ministryClaim: string;
  /** OIDC_NAME_CLAIM: the person's name as the header and the history show it. */
  readonly nameClaim: string;
}

/** Where the sign-in through the provider starts (the button on /anmelden). */
export const OIDC_START_PATH = '/anmelden/landeskonto';

/** The sign-in's return address at this service (OIDC_REDIRECT_URL must point here). */
export const OIDC_CALLBACK_PATH = '/anmelden/landeskonto/rueckkehr';
