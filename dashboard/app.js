// Dashboard entry: sign-in, filters, and one request per filter change to the metrics API
// (which only reads materialised documents). Filters live in the URL so a view can be shared.
/* global URLSearchParams */
import {
  authorizationHeader,
  clearToken,
  completeCognitoSignIn,
  loadConfig,
  renewCognitoSignIn,
  revokeCognitoSignIn,
  signOutUrl,
  startCognitoSignIn,
  storedToken,
  storeToken,
} from './auth.js';
import { PANELS } from './panels.js';
import { el } from './tables.js';

const $ = (id) => document.getElementById(id);

const state = { config: null, index: null, view: null, request: 0 };

class UnauthorizedError extends Error {}

async function api(path, renewed = false) {
  const token = storedToken();
  if (!token) throw new UnauthorizedError('not signed in');
  const response = await fetch(`${state.config.apiBase ?? ''}${path}`, { headers: { authorization: authorizationHeader(state.config, token) } });
  if (response.status === 401) {
    // An expired ID token: renew it with the refresh token and try once more.
    if (!renewed && (await renewCognitoSignIn(state.config))) return api(path, true);
    throw new UnauthorizedError('sign-in expired or key not recognised');
  }
  const body = await response.json().catch(() => ({ message: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
  return body;
}

function showLogin(message) {
  clearToken();
  $('dashboard').hidden = true;
  $('sign-out').hidden = true;
  $('login').hidden = false;
  $('login-local').hidden = state.config.auth.mode === 'cognito';
  $('login-submit').textContent = state.config.auth.mode === 'cognito' ? 'Sign in with your clinic account' : 'Sign in';
  $('login-error').hidden = !message;
  $('login-error').textContent = message ?? '';
  if (state.config.auth.mode !== 'cognito') $('director-key').focus();
}

function option(value, label, selected) {
  return el('option', { value, selected: value === selected, text: label });
}

function currentFilter() {
  const params = new URLSearchParams(window.location.search);
  return { clinic: params.get('clinic') ?? '', program: params.get('program') ?? 'all', cohort: params.get('cohort') ?? 'all' };
}

function fillFilters(filter) {
  const index = state.index;
  const clinic = filter.clinic || index.clinics[0]?.id || 'all';
  $('filter-clinic').replaceChildren(
    ...index.clinics.map((entry) => option(entry.id, `Clinic ${entry.id} (internal view)`, clinic)),
    option('all', 'Network — all clinics (small cells suppressed)', clinic),
  );
  const programs = clinic === 'all' ? index.network.programs : index.clinics.find((entry) => entry.id === clinic)?.programs ?? [];
  const program = programs.includes(filter.program) ? filter.program : 'all';
  $('filter-program').replaceChildren(option('all', 'All programs', program), ...programs.map((id) => option(id, id, program)));
  const cohort = program === 'all' && index.cohorts.includes(filter.cohort) ? filter.cohort : 'all';
  $('filter-cohort').replaceChildren(option('all', 'All admissions', cohort), ...index.cohorts.map((id) => option(id, `Admitted ${id}`, cohort)));
  // Program × cohort is not materialised (ADR 0070): choosing one resets the other.
  $('filter-cohort').disabled = program !== 'all';
  $('filter-hint').textContent =
    program !== 'all' ? 'Showing one program across all admission cohorts. Set the program to “All programs” to choose a cohort.' : 'Choose a program or an admission cohort; every panel follows the filters.';
  return { clinic, program, cohort };
}

async function showView(filter) {
  const request = ++state.request;
  const panels = $('panels');
  panels.setAttribute('aria-busy', 'true');
  $('load-error').hidden = true;
  try {
    const query = new URLSearchParams({ clinic: filter.clinic, program: filter.program, cohort: filter.cohort });
    const view = await api(`/v1/dashboard?${query}`);
    if (request !== state.request) return; // a newer filter change won
    state.view = view;
    window.history.replaceState(null, '', `?${query}`);
    $('as-of').textContent = `Data as of ${view.asOf} · refreshed ${view.generatedAt.replace('T', ' ').slice(0, 16)} UTC`;
    $('disclosure').textContent = view.disclosure.label;
    $('disclosure').dataset.view = view.disclosure.view;
    panels.replaceChildren(...PANELS.map((render) => render(view)));
    panels.dataset.filter = `${view.filter.clinic}|${view.filter.program}|${view.filter.cohort}`;
    document.title = `IOP outcomes — ${view.filter.clinic === 'all' ? 'network' : `clinic ${view.filter.clinic}`}`;
  } catch (error) {
    if (error instanceof UnauthorizedError) return showLogin(error.message);
    $('load-error').hidden = false;
    $('load-error').textContent = error.message;
  } finally {
    if (request === state.request) panels.setAttribute('aria-busy', 'false');
  }
}

async function openDashboard() {
  try {
    state.index = await api('/v1/dashboard/index');
  } catch (error) {
    if (error instanceof UnauthorizedError) return showLogin(error.message === 'not signed in' ? undefined : error.message);
    return showLogin(error.message);
  }
  $('login').hidden = true;
  $('dashboard').hidden = false;
  $('sign-out').hidden = false;
  await showView(fillFilters(currentFilter()));
}

function onFilterChange(event) {
  const chosen = { clinic: $('filter-clinic').value, program: $('filter-program').value, cohort: $('filter-cohort').value };
  if (event.target.id === 'filter-clinic') chosen.program = 'all';
  if (event.target.id === 'filter-program' && chosen.program !== 'all') chosen.cohort = 'all';
  showView(fillFilters(chosen));
}

async function boot() {
  state.config = await loadConfig();
  $('filters').addEventListener('change', onFilterChange);
  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (state.config.auth.mode === 'cognito') return startCognitoSignIn(state.config);
    storeToken($('director-key').value.trim());
    $('director-key').value = '';
    await openDashboard();
  });
  $('sign-out').addEventListener('click', async () => {
    await revokeCognitoSignIn(state.config);
    clearToken();
    const url = signOutUrl(state.config);
    if (url) window.location.assign(url);
    else showLogin();
  });
  if (state.config.auth.mode === 'cognito') {
    try {
      await completeCognitoSignIn(state.config);
    } catch (error) {
      return showLogin(error.message);
    }
  }
  if (storedToken()) await openDashboard();
  else showLogin();
}

boot();
