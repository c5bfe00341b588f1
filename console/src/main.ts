import './styles.css';
import { el } from './dom.js';
import { graphFor } from './graph.js';
import type { Page } from './page.js';
import { deadLettersPage } from './pages/dead-letters.js';
import { healthPage } from './pages/health.js';
import { kpisPage } from './pages/kpis.js';
import { reconciliationPage } from './pages/reconciliation.js';
import { stockExceptionsPage } from './pages/stock-exceptions.js';
import { tracePage } from './pages/trace.js';
import { refusalOf, remember, rememberedToken, sessionOf, type Session } from './session.js';

const PAGES: Readonly<Record<string, Page>> = {
  kpis: kpisPage,
  'dead-letters': deadLettersPage,
  trace: tracePage,
  reconciliation: reconciliationPage,
  'stock-exceptions': stockExceptionsPage,
  health: healthPage,
};

const root = document.getElementById('page') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const who = document.getElementById('who') as HTMLElement;
const message = document.getElementById('message') as HTMLElement;
const say = (text: string) => {
  message.textContent = text;
};

let stopPage: () => void = () => undefined;

/** Shows the page the address names (#name or #name/argument) for the signed-in session. */
function route(session: Session): void {
  stopPage();
  const [name = 'kpis', ...rest] = location.hash.replace(/^#/, '').split('/');
  const page = PAGES[name] ?? kpisPage;
  for (const link of nav.querySelectorAll('a')) link.classList.toggle('current', link.getAttribute('href') === `#${name}`);
  root.replaceChildren();
  say('');
  stopPage = page(root, { graph: graphFor(session.token), session, say }, decodeURIComponent(rest.join('/')));
}

function signIn(token: string): boolean {
  const refusal = refusalOf(token);
  if (refusal) {
    say(refusal);
    return false;
  }
  const session = sessionOf(token);
  if (!session) return false;
  remember(token);
  nav.hidden = false;
  const signOut = el('button', { type: 'button', class: 'secondary', id: 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', () => {
    remember(null);
    location.hash = '';
    location.reload();
  });
  who.replaceChildren(el('span', { id: 'role', 'data-role': session.role }, `${session.subject} · ${session.role}`), signOut);
  window.onhashchange = () => route(session);
  route(session);
  return true;
}

/** The sign-in form: paste a bearer token, or (in development) take a dev token for a role. */
function showSignIn(): void {
  const token = el('textarea', { id: 'token', rows: '4', placeholder: 'Bearer token (JWT) of an analyst or an admin' });
  const form = el(
    'form',
    { id: 'sign-in', class: 'card' },
    el('h2', {}, 'Sign in'),
    el('label', {}, 'Bearer token', token),
    el('button', { type: 'submit' }, 'Open the console'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    signIn(token.value.trim());
  });
  for (const role of ['analyst', 'admin']) {
    const button = el('button', { type: 'button', class: 'secondary', 'data-dev-role': role }, `Dev token: ${role}`);
    button.addEventListener('click', () => void devToken(role).then((value) => value && signIn(value)));
    form.append(button);
  }
  root.replaceChildren(form);
}

/** Development only: the gateway mints tokens with its dev secret (404 where tokens come from an identity provider). */
async function devToken(role: string): Promise<string | null> {
  const response = await fetch(`/clienteling/dev-token?role=${role}&storeId=loc_nyc01`);
  if (!response.ok) {
    say('No dev tokens here: paste a bearer token from your identity provider.');
    return null;
  }
  return ((await response.json()) as { token: string }).token;
}

const remembered = rememberedToken();
if (!remembered || !signIn(remembered)) showSignIn();
