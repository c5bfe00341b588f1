import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signDelivery, verifyDeliverySignature } from '../src/outbound/delivery-signature.js';
import { isValidShopifySignature, shopifySignature } from '../src/shopify/shopify-signature.js';

// Raw, as Shopify sends it: the id does not fit a JavaScript number.
const body = '{"id":820982911946154508,"total_price":"53.98"}';

test('a Shopify signature is accepted only for the exact raw body and the shared secret', () => {
  const signature = shopifySignature(body, 'shared');
  assert.equal(isValidShopifySignature(Buffer.from(body), signature, 'shared'), true);
  assert.equal(isValidShopifySignature(Buffer.from(body), signature, 'other'), false);
  assert.equal(isValidShopifySignature(Buffer.from(body.replace('53.98', '0.01')), signature, 'shared'), false);
  assert.equal(isValidShopifySignature(Buffer.from(`${body} `), signature, 'shared'), false, 'whitespace counts: the raw bytes are signed');
  assert.equal(isValidShopifySignature(Buffer.from(body), undefined, 'shared'), false);
  assert.equal(isValidShopifySignature(Buffer.from(body), 'not base64 at all', 'shared'), false);
  assert.equal(isValidShopifySignature(Buffer.from(body), signature.slice(0, 20), 'shared'), false, 'a truncated signature is refused, not compared');
});

test('a delivery signature holds for its body, timestamp and secret, within five minutes either way', () => {
  const now = 1_796_000_000;
  const signature = signDelivery(body, now, 'secret');
  const check = { body, timestamp: String(now), signature, secret: 'secret', nowSeconds: now };
  assert.equal(verifyDeliverySignature(check), true);
  assert.equal(verifyDeliverySignature({ ...check, nowSeconds: now + 300 }), true);
  assert.equal(verifyDeliverySignature({ ...check, nowSeconds: now + 301 }), false, 'a replay after the window');
  assert.equal(verifyDeliverySignature({ ...check, nowSeconds: now - 301 }), false, 'a timestamp from the future');
  assert.equal(verifyDeliverySignature({ ...check, timestamp: String(now + 1) }), false, 'the timestamp is signed too');
  assert.equal(verifyDeliverySignature({ ...check, secret: 'other' }), false);
  assert.equal(verifyDeliverySignature({ ...check, body: `${body} ` }), false);
  assert.equal(verifyDeliverySignature({ ...check, signature: undefined }), false);
  assert.equal(verifyDeliverySignature({ ...check, timestamp: 'yesterday' }), false);
});
