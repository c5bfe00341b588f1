// The clienteling page: an associate picks a store and SKUs and watches, over graphql-ws on the
// gateway's /graphql, live availability at that store and the status of its pickup orders.
// Both subscriptions ask for a snapshot first, then changes; each remembers the cursor of the
// last update so that a reconnect resumes right after it (nothing missed, nothing twice).
(() => {
  'use strict';

  const { createClient } = window.graphqlWs;
  const $ = (id) => document.getElementById(id);
  const GRAPHQL_URL = new URL('/graphql', window.location.href).href;
  const SOCKET_URL = GRAPHQL_URL.replace(/^http/, 'ws');
  /** Close codes after which retrying cannot help (bad token, too many sockets, forbidden). */
  const FATAL_CLOSE_CODES = new Set([4401, 4403, 4430, 4400]);

  const AVAILABILITY = `
    subscription ClientelingAvailability($skus: [ID!]!, $storeId: ID!, $after: String) {
      availabilityChanged(skus: $skus, locationIds: [$storeId], after: $after, snapshot: true) {
        cursor kind sku available previousAvailable onHand reserved at
        variant { product { name } }
      }
    }`;
  const PICKUPS = `
    subscription ClientelingPickups($storeId: ID!, $after: String) {
      orderStatusChanged(locationId: $storeId, after: $after, snapshot: true) {
        cursor kind status previousStatus reason at
        order { id number placedAt fulfillment { type } customer { name } lines { quantity } }
      }
    }`;

  let client;
  let subscriptions = [];

  const say = (text) => ($('message').textContent = text);
  const setConnection = (state, text) => {
    $('connection').dataset.state = state;
    $('connection').textContent = text;
  };
  const timeOf = (iso) => new Date(iso).toLocaleTimeString();
  const cell = (text, className) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  };
  const flash = (element) => {
    element.classList.remove('changed');
    void element.offsetWidth; // restart the animation
    element.classList.add('changed');
  };

  async function graphql(query, variables) {
    const token = $('token').value.trim();
    const response = await fetch(GRAPHQL_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors?.length) throw new Error(body.errors.map((error) => error.message).join('; '));
    return body.data;
  }

  async function loadStores() {
    const data = await graphql('query ClientelingStores { locations(type: STORE) { id code name region } }', {});
    const select = $('store');
    select.replaceChildren(...data.locations.map((store) => new Option(`${store.name} (${store.code})`, store.id)));
    select.disabled = false;
  }

  async function useDevToken() {
    const storeId = $('store').value;
    if (!storeId) return say('Pick a store first.');
    const response = await fetch(`/clienteling/dev-token?storeId=${encodeURIComponent(storeId)}`);
    if (!response.ok) return say('This gateway mints no dev tokens: paste an associate token.');
    $('token').value = (await response.json()).token;
    say('');
  }

  /** Subscribes with `payload`; on each update stores its cursor in payload.variables.after. */
  function watch(payload, field, onUpdate) {
    let stopped = false;
    let unsubscribe = () => {};
    const start = () => {
      // graphql-ws re-sends this same payload object when it reconnects, so the cursor written
      // below is what the retried subscribe carries: the server resumes right after it.
      unsubscribe = client.subscribe(payload, {
        next: (result) => {
          if (result.errors?.length) say(result.errors.map((error) => `${error.extensions?.code ?? 'ERROR'}: ${error.message}`).join('; '));
          const update = result.data?.[field];
          if (!update) return;
          payload.variables.after = update.cursor;
          onUpdate(update);
        },
        error: (error) => {
          if (stopped) return;
          if (Array.isArray(error)) {
            say(error.map((entry) => `${entry.extensions?.code ?? 'ERROR'}: ${entry.message}`).join('; '));
            // A slow consumer or a lost feed: resubscribe from the last cursor. Other errors are final.
            if (error.some((entry) => ['SLOW_CONSUMER', 'UNAVAILABLE'].includes(entry.extensions?.code))) setTimeout(start, 1000);
          }
        },
        // The server completed the subscription (for example the gateway shut down): resume later.
        complete: () => {
          if (!stopped) setTimeout(start, 1000);
        },
      });
    };
    start();
    return () => {
      stopped = true;
      unsubscribe();
    };
  }

  function renderAvailabilityRows(skus) {
    $('availability').tBodies[0].replaceChildren(
      ...skus.map((sku) => {
        const row = document.createElement('tr');
        row.dataset.sku = sku;
        row.append(cell(sku), cell('—'), cell('—', 'num'), cell('—', 'num'), cell('—', 'num'), cell('no stock record', 'meta'));
        row.cells[2].dataset.field = 'available';
        return row;
      }),
    );
  }

  function applyAvailability(update) {
    if (update.kind === 'RETENTION_EXCEEDED') return say('Missed too much while away: a fresh snapshot follows.');
    const row = $('availability').querySelector(`tr[data-sku="${CSS.escape(update.sku)}"]`);
    if (!row) return;
    const [, product, available, onHand, reserved, updated] = row.cells;
    const before = Number(available.textContent);
    product.textContent = update.variant?.product?.name ?? '—';
    available.textContent = String(update.available);
    onHand.textContent = String(update.onHand);
    reserved.textContent = String(update.reserved);
    updated.textContent = `${update.kind === 'SNAPSHOT' ? 'as of' : 'changed'} ${timeOf(update.at)}`;
    if (update.kind === 'CHANGE') {
      const previous = update.previousAvailable ?? before;
      available.dataset.trend = update.available > previous ? 'up' : update.available < previous ? 'down' : '';
      flash(row);
    }
  }

  function applyOrderStatus(update) {
    if (update.kind === 'RETENTION_EXCEEDED') return say('Missed too much while away: a fresh snapshot follows.');
    const order = update.order;
    if (!order || order.fulfillment.type !== 'PICKUP_IN_STORE') return;
    const list = $('orders');
    list.querySelector('.empty')?.remove();
    let item = list.querySelector(`li[data-order-id="${CSS.escape(order.id)}"]`);
    if (!item) {
      item = document.createElement('li');
      item.dataset.orderId = order.id;
      const number = document.createElement('strong');
      const details = document.createElement('span');
      const status = document.createElement('span');
      status.className = 'status';
      status.dataset.field = 'status';
      item.append(number, details, status);
      list.prepend(item);
    }
    const [number, details, status] = item.children;
    const units = order.lines.reduce((sum, line) => sum + line.quantity, 0);
    number.textContent = order.number;
    details.textContent = `${order.customer?.name ?? 'Guest'} · ${units} item${units === 1 ? '' : 's'}${update.previousStatus ? ` · was ${update.previousStatus}` : ''}${update.reason ? ` · ${update.reason}` : ''} · ${timeOf(update.at)}`;
    details.className = 'meta';
    status.textContent = update.status;
    status.dataset.status = update.status;
    if (update.kind === 'CHANGE') flash(item);
  }

  function stopWatching() {
    subscriptions.forEach((stop) => stop());
    subscriptions = [];
    void client?.dispose();
    client = undefined;
  }

  function startWatching(event) {
    event.preventDefault();
    const storeId = $('store').value;
    const skus = [
      ...new Set(
        $('skus')
          .value.split(/[\s,]+/)
          .map((sku) => sku.trim())
          .filter(Boolean),
      ),
    ];
    const token = $('token').value.trim();
    if (!storeId || skus.length === 0) return say('Pick a store and at least one SKU.');
    if (skus.length > 200) return say('At most 200 SKUs.');
    if (!token) return say('Order status needs an associate token: paste one or use a dev token.');
    stopWatching();
    say('');
    $('store-name').textContent = $('store').selectedOptions[0]?.textContent ?? storeId;
    renderAvailabilityRows(skus);
    $('orders').replaceChildren(Object.assign(document.createElement('li'), { className: 'empty', textContent: 'No pickup orders yet.' }));
    setConnection('connecting', 'connecting…');
    let lost = false;
    client = createClient({
      url: SOCKET_URL,
      connectionParams: { authorization: `Bearer ${token}` },
      keepAlive: 10_000,
      retryAttempts: Infinity,
      shouldRetry: (closeEvent) => !(closeEvent && FATAL_CLOSE_CODES.has(closeEvent.code)),
      on: {
        connected: () => setConnection('live', lost ? 'live (resumed)' : 'live'),
        closed: (closeEvent) => {
          lost = true;
          const code = closeEvent?.code;
          if (FATAL_CLOSE_CODES.has(code)) {
            setConnection('closed', `closed (${code})`);
            say(
              code === 4401
                ? 'The token was refused: use a fresh one.'
                : code === 4430
                  ? 'Too many open sockets for this associate.'
                  : `Closed: ${closeEvent.reason || code}`,
            );
          } else if (client) setConnection('reconnecting', 'reconnecting…');
        },
      },
    });
    subscriptions = [
      watch({ query: AVAILABILITY, variables: { skus, storeId } }, 'availabilityChanged', applyAvailability),
      watch({ query: PICKUPS, variables: { storeId } }, 'orderStatusChanged', applyOrderStatus),
    ];
  }

  $('watch-form').addEventListener('submit', startWatching);
  $('dev-token').addEventListener('click', () => void useDevToken().catch((error) => say(error.message)));
  $('store').disabled = true;
  loadStores().catch((error) => say(`Could not load stores: ${error.message}`));
})();
