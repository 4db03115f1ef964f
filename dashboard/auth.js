// Sign-in. Locally a director key (from .local/directors.json) is the bearer token; in AWS
// the Cognito hosted UI signs the director in (authorization code + PKCE) and the ID
// token goes to API Gateway's Cognito authorizer. config.json says which applies.
// The ID token lasts an hour; the refresh token from the same exchange renews it without
// a new sign-in until the refresh token's own end (12 h), and is revoked at sign-out (ADR 0118).
/* global sessionStorage, crypto, TextEncoder, btoa, URLSearchParams */

const TOKEN_KEY = 'iop-dashboard-token';
const VERIFIER_KEY = 'iop-dashboard-pkce';
const REFRESH_KEY = 'iop-dashboard-refresh';

export async function loadConfig() {
  const response = await fetch('config.json', { cache: 'no-store' });
  if (!response.ok) return { auth: { mode: 'local-key' }, apiBase: '' };
  return response.json();
}

export function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(REFRESH_KEY);
}

function storeTokens(tokens) {
  storeToken(tokens.id_token);
  // Cognito returns a refresh token with the code exchange, not with a refresh (unless rotation is on): keep the one we have.
  if (tokens.refresh_token) sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
}

async function tokenRequest(config, path, fields) {
  return fetch(`${config.auth.domain}/oauth2/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: config.auth.clientId, ...fields }),
  });
}

let renewing = null;

/**
 * Trades the refresh token for a new ID token (grant_type=refresh_token). Resolves true when
 * renewed; false when there is nothing to renew with or Cognito refuses (expired or revoked),
 * and then forgets the refresh token so the page asks for a sign-in once, never in a loop.
 * Concurrent callers share one request.
 */
export function renewCognitoSignIn(config) {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  if (config.auth.mode !== 'cognito' || !refreshToken) return Promise.resolve(false);
  renewing ??= (async () => {
    try {
      const response = await tokenRequest(config, 'token', { grant_type: 'refresh_token', refresh_token: refreshToken });
      const tokens = response.ok ? await response.json() : null;
      if (!tokens?.id_token) {
        sessionStorage.removeItem(REFRESH_KEY);
        return false;
      }
      storeTokens(tokens);
      return true;
    } catch {
      return false; // network trouble: keep the refresh token for the next try
    } finally {
      renewing = null;
    }
  })();
  return renewing;
}

/** Sign-out: revokes the refresh token at Cognito (best effort), so a copy of it cannot mint new ID tokens. */
export async function revokeCognitoSignIn(config) {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  if (config.auth.mode !== 'cognito' || !refreshToken) return;
  try {
    await tokenRequest(config, 'revoke', { token: refreshToken });
  } catch {
    // the hosted UI logout still ends the session; the token expires on its own
  }
}

/** The Authorization header value: a bearer key locally, the raw ID token for Cognito. */
export function authorizationHeader(config, token) {
  return config.auth.mode === 'cognito' ? token : `Bearer ${token}`;
}

function base64Url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Sends the browser to the Cognito hosted UI. */
export async function startCognitoSignIn(config) {
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  sessionStorage.setItem(VERIFIER_KEY, verifier);
  const challenge = base64Url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const { domain, clientId, redirectUri } = config.auth;
  const query = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid email', code_challenge_method: 'S256', code_challenge: challenge });
  window.location.assign(`${domain}/oauth2/authorize?${query}`);
}

/** After the hosted UI redirects back with ?code=…, trades it for tokens. Returns true when signed in. */
export async function completeCognitoSignIn(config) {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('code');
  if (!code) return false;
  const response = await tokenRequest(config, 'token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: config.auth.redirectUri,
    code_verifier: sessionStorage.getItem(VERIFIER_KEY) ?? '',
  });
  sessionStorage.removeItem(VERIFIER_KEY);
  window.history.replaceState(null, '', window.location.pathname);
  if (!response.ok) throw new Error('sign-in did not complete; try again');
  storeTokens(await response.json());
  return true;
}

export function signOutUrl(config) {
  if (config.auth.mode !== 'cognito') return null;
  const query = new URLSearchParams({ client_id: config.auth.clientId, logout_uri: config.auth.redirectUri });
  return `${config.auth.domain}/logout?${query}`;
}
