// A local OpenID Connect provider shaped like Microsoft Entra ID's multi-tenant endpoints,
// for Looop's end-to-end tests. Each Entra tenant is a real `oidc-provider` instance whose
// issuer is `<authority>/<tid>/v2.0`; a thin `organizations` front does what Microsoft's
// does: a discovery document with a `{tenantid}` issuer template, an account picker that
// finds the user's home tenant, one token endpoint, and one key set shared by all tenants.
//
// Usage: node server.js [--port N]   (prints {"ready":true,"port":N} once listening)
// Test setup API (loopback only): POST /_test/users, POST /_test/redirect-uris.

import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const CLIENT_ID = process.env.ENTRA_CLIENT_ID || 'looop-test-client';
const CLIENT_SECRET = process.env.ENTRA_CLIENT_SECRET || 'looop-test-secret';

// One RSA key signs for every tenant, as Microsoft's common keys do.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const SIGNING_KEY = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
const PUBLIC_KEY = (({ kty, n, e, kid, use, alg }) => ({ kty, n, e, kid, use, alg }))(SIGNING_KEY);

const directory = new Map(); // oid -> { tid, oid, preferred_username, email, xms_edov, name, ... }
const redirectUris = new Set(); // registered with the "app registration" by the test setup
const tenants = new Map(); // tid -> Provider
let authority = '';

function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(res, status, title, body) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`);
}

function json(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function findByLogin(login, tid) {
  const wanted = String(login || '').trim().toLowerCase();
  for (const user of directory.values()) {
    if (user.preferred_username.toLowerCase() === wanted && (!tid || user.tid === tid)) return user;
  }
  return undefined;
}

// Each tenant keeps its codes, sessions and grants in its own store, so the token endpoint
// can tell which tenant issued a code (the library's default store is shared by instances).
function memoryAdapter() {
  const store = new Map();
  const read = (key) => {
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt && entry.expiresAt < Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.value;
  };
  const write = (key, value, expiresIn) => {
    store.set(key, { value, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : 0 });
  };
  return class TenantMemoryAdapter {
    constructor(model) { this.model = model; }
    key(id) { return `${this.model}:${id}`; }
    async upsert(id, payload, expiresIn) {
      write(this.key(id), { ...payload }, expiresIn);
      if (payload.uid) write(`sessionUid:${payload.uid}`, id, expiresIn);
      if (payload.grantId) {
        const members = read(`grant:${payload.grantId}`) || [];
        write(`grant:${payload.grantId}`, [...members, this.key(id)], expiresIn);
      }
    }
    async find(id) { return read(this.key(id)); }
    async findByUid(uid) {
      const id = read(`sessionUid:${uid}`);
      return id ? this.find(id) : undefined;
    }
    async findByUserCode() { return undefined; }
    async consume(id) {
      const payload = read(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id) { store.delete(this.key(id)); }
    async revokeByGrantId(grantId) {
      for (const key of read(`grant:${grantId}`) || []) store.delete(key);
      store.delete(`grant:${grantId}`);
    }
  };
}

function tenantProvider(tid) {
  if (tenants.has(tid)) return tenants.get(tid);
  const short = tid.slice(0, 8);
  const provider = new Provider(`${authority}/${tid}/v2.0`, {
    adapter: memoryAdapter(),
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: ['http://looop.localhost/sso/microsoft/callback'],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
    }],
    jwks: { keys: [SIGNING_KEY] },
    cookies: {
      keys: [randomBytes(32).toString('hex')],
      names: { session: `_session_${short}`, interaction: `_interaction_${short}`, resume: `_resume_${short}` },
    },
    // Microsoft puts these in the ID token; `tid` comes with `openid`, `oid` with `profile`.
    claims: {
      openid: ['sub', 'tid'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'oid'],
      email: ['email', 'xms_edov'],
    },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    conformIdTokenClaims: false,
    ttl: { AuthorizationCode: 60, IdToken: 3600, AccessToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
    responseTypes: ['code'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    routes: {
      authorization: '/oauth2/v2.0/authorize',
      token: '/oauth2/v2.0/token',
      jwks: '/discovery/v2.0/keys',
      end_session: '/oauth2/v2.0/logout',
      userinfo: '/oidc/userinfo',
    },
    interactions: { url: async (ctx, interaction) => `/${tid}/v2.0/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const user = directory.get(sub);
      if (!user || user.tid !== tid) return undefined;
      return {
        accountId: sub,
        async claims() {
          const claims = {
            sub, tid, oid: user.oid, name: user.name, preferred_username: user.preferred_username,
            given_name: user.given_name, family_name: user.family_name, email: user.email,
          };
          if (user.xms_edov !== undefined && user.xms_edov !== null) claims.xms_edov = user.xms_edov;
          return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined && v !== ''));
        },
      };
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Sign-in error</title><h1>Sign-in error</h1>${
        Object.entries(out).map(([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: ${escapeHtml(v)}</p>`).join('')}`;
    },
  });
  // Entra checks the redirect URI against the app registration, which the tests fill in.
  provider.Client.prototype.redirectUriAllowed = (uri) => redirectUris.has(uri);
  tenants.set(tid, provider);
  return provider;
}

function discovery() {
  const base = `${authority}/organizations`;
  return {
    issuer: `${authority}/{tenantid}/v2.0`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/oauth2/v2.0/token`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'tid', 'oid', 'name',
      'preferred_username', 'email', 'xms_edov'],
    tenant_region_scope: null,
    request_uri_parameter_supported: false,
  };
}

function sessionCookiesExpired(tids) {
  return tids.flatMap((tid) => [`_session_${tid.slice(0, 8)}`, `_session_${tid.slice(0, 8)}.sig`])
    .map((name) => `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`);
}

function accountPicker(res, query, error = '') {
  page(res, error ? 400 : 200, 'Sign in', `
<p>Sign in with your work or school account.</p>
${error ? `<p role="alert" id="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/organizations/oauth2/v2.0/authorize">
  <input type="hidden" name="query" value="${escapeHtml(query)}">
  <label for="login">Email, phone, or Skype</label>
  <input id="login" name="login" type="email" autocomplete="username" required autofocus>
  <button type="submit">Next</button>
</form>`);
}

async function organizations(req, res, url) {
  const path = url.pathname.replace(/^\/organizations/, '');
  if (req.method === 'GET' && path === '/v2.0/.well-known/openid-configuration') return json(res, 200, discovery());
  if (req.method === 'GET' && path === '/discovery/v2.0/keys') return json(res, 200, { keys: [PUBLIC_KEY] });
  if (path === '/oauth2/v2.0/authorize') {
    if (req.method === 'GET') {
      const clientId = url.searchParams.get('client_id');
      const redirectUri = url.searchParams.get('redirect_uri');
      if (clientId !== CLIENT_ID) {
        return page(res, 400, 'Sign-in error', `<p>AADSTS700016: Application with identifier '${escapeHtml(clientId)}' was not found.</p>`);
      }
      if (!redirectUris.has(redirectUri)) {
        return page(res, 400, 'Sign-in error', `<p>AADSTS50011: The redirect URI '${escapeHtml(redirectUri)}' does not match the redirect URIs configured for the application.</p>`);
      }
      return accountPicker(res, url.search.slice(1));
    }
    const form = new URLSearchParams(await readBody(req));
    const query = form.get('query') || '';
    const user = findByLogin(form.get('login'));
    if (!user) return accountPicker(res, query, 'This username may be incorrect. Make sure you typed it correctly.');
    // Home realm discovery found the tenant: continue at its own authorization endpoint.
    const params = new URLSearchParams(query);
    const prompts = new Set((params.get('prompt') || '').split(' ').filter(Boolean));
    prompts.add('login'); // the person just identified themselves here
    params.set('prompt', [...prompts].join(' '));
    params.set('login_hint', user.preferred_username);
    // Picking an account starts a fresh session in its tenant (as choosing "Use another
    // account" does at Microsoft), so a previous person's session never carries over.
    res.writeHead(303, {
      Location: `/${user.tid}/v2.0/oauth2/v2.0/authorize?${params}`,
      'Set-Cookie': sessionCookiesExpired([user.tid]),
    });
    return res.end();
  }
  if (req.method === 'POST' && path === '/oauth2/v2.0/token') {
    const raw = await readBody(req);
    const code = new URLSearchParams(raw).get('code');
    for (const [tid, provider] of tenants) {
      if (code && await provider.AuthorizationCode.find(code)) {
        req.body = raw; // the provider reads an already-consumed body from here
        req.originalUrl = `/${tid}/v2.0/oauth2/v2.0/token`;
        req.url = '/oauth2/v2.0/token';
        return provider.callback()(req, res);
      }
    }
    return json(res, 400, { error: 'invalid_grant', error_description: 'AADSTS70000: The provided authorization code is invalid or has expired.' });
  }
  if (path === '/oauth2/v2.0/logout') {
    res.setHeader('Set-Cookie', sessionCookiesExpired([...tenants.keys()]));
    return page(res, 200, 'You signed out of your account', '<p>It\'s a good idea to close all browser windows.</p>');
  }
  return json(res, 404, { error: 'not_found' });
}

async function interaction(req, res, provider, tid, uid, action) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'AADSTS65004: User declined to consent to access the app.',
    }, { mergeWithLastSubmission: false });
  }
  if (prompt.name === 'login') {
    const user = findByLogin(params.login_hint, tid);
    if (!user) return page(res, 400, 'Sign-in error', '<p>Unknown account.</p>');
    return provider.interactionFinished(req, res, { login: { accountId: user.oid } }, { mergeWithLastSubmission: false });
  }
  if (prompt.name === 'consent') {
    const asked = String(params.prompt || '').split(' ').includes('consent');
    if (asked && action !== 'confirm') {
      const user = directory.get(session.accountId);
      return page(res, 200, 'Permissions requested', `
<p>${escapeHtml(user?.preferred_username)}</p>
<p>Looop would like to: sign you in and read your profile; view your email address.</p>
<form method="post" action="/${tid}/v2.0/interaction/${uid}/confirm">
  <label><input type="checkbox" name="for_organisation" value="1"> Consent on behalf of your organization</label>
  <button type="submit">Accept</button>
</form>
<form method="post" action="/${tid}/v2.0/interaction/${uid}/abort"><button type="submit">Cancel</button></form>`);
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missingResourceScopes || {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
  }
  return page(res, 400, 'Sign-in error', `<p>Unexpected prompt ${escapeHtml(prompt.name)}.</p>`);
}

async function testApi(req, res, url) {
  const body = req.method === 'POST' ? JSON.parse((await readBody(req)) || '{}') : {};
  if (url.pathname === '/_test/users' && req.method === 'POST') {
    for (const key of ['tid', 'oid', 'preferred_username']) {
      if (!body[key]) return json(res, 400, { error: `${key} is required` });
    }
    const user = { ...body, tid: body.tid.toLowerCase(), oid: body.oid.toLowerCase() };
    directory.set(user.oid, user);
    tenantProvider(user.tid);
    return json(res, 201, user);
  }
  if (url.pathname === '/_test/redirect-uris' && req.method === 'POST') {
    redirectUris.add(body.uri);
    return json(res, 201, { redirect_uris: [...redirectUris] });
  }
  if (url.pathname === '/_test/health') return json(res, 200, { ok: true, tenants: [...tenants.keys()] });
  return json(res, 404, { error: 'not_found' });
}

const TENANT_PATH = /^\/([0-9a-f-]{36})\/v2\.0(\/.*)?$/;
const INTERACTION_PATH = /^\/interaction\/([^/]+)(?:\/(confirm|abort))?$/;

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, authority);
    if (url.pathname.startsWith('/_test/')) return await testApi(req, res, url);
    if (url.pathname.startsWith('/organizations/')) return await organizations(req, res, url);
    const match = TENANT_PATH.exec(url.pathname);
    if (match && tenants.has(match[1])) {
      const [, tid, rest = '/'] = match;
      const provider = tenants.get(tid);
      const step = INTERACTION_PATH.exec(rest);
      if (step) return await interaction(req, res, provider, tid, step[1], step[2]);
      // Mounted under /<tid>/v2.0, the way the provider expects: strip the prefix.
      req.originalUrl = req.url;
      req.url = rest + url.search;
      return provider.callback()(req, res);
    }
    return json(res, 404, { error: 'not_found' });
  } catch (error) {
    console.error(error);
    if (!res.headersSent) page(res, 500, 'Server error', `<p>${escapeHtml(error.message)}</p>`);
    else res.end();
  }
});

server.listen(Number(args.port), '127.0.0.1', () => {
  const { port } = server.address();
  authority = `http://127.0.0.1:${port}`;
  console.log(JSON.stringify({ ready: true, port, authority }));
});
