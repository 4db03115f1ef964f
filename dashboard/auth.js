// Sign-in. Locally a director key (from .local/directors.json) is the bearer token; in AWS
// the Cognito hosted UI signs the director in (authorization code + PKCE) and the ID
// token goes to API Gateway's Cognito authorizer. config.json says which applies.
/* global sessionStorage, crypto, TextEncoder, btoa, URLSearchParams */

const TOKEN_KEY = 'iop-dashboard-token';
const VERIFIER_KEY = 'iop-dashboard-pkce';

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
  const { domain, clientId, redirectUri } = config.auth;
  const response = await fetch(`${domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: redirectUri, code_verifier: sessionStorage.getItem(VERIFIER_KEY) ?? '' }),
  });
  sessionStorage.removeItem(VERIFIER_KEY);
  window.history.replaceState(null, '', window.location.pathname);
  if (!response.ok) throw new Error('sign-in did not complete; try again');
  const tokens = await response.json();
  storeToken(tokens.id_token);
  return true;
}

export function signOutUrl(config) {
  if (config.auth.mode !== 'cognito') return null;
  const query = new URLSearchParams({ client_id: config.auth.clientId, logout_uri: config.auth.redirectUri });
  return `${config.auth.domain}/logout?${query}`;
}
