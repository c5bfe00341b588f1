import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals } from '@mesh/test-kit';
import type { CustomerRecord } from '../src/models/customer.model.js';
import { maskEmail, maskIdentityValue, maskPhone, mayMatchOnPii, presentCustomer, seesPii } from '../src/pii-masking.js';

const record: CustomerRecord = {
  _id: 'cus_00001',
  name: 'Liam Nguyen',
  email: 'liam.nguyen.1@example.com',
  phone: '+15550000001',
  loyaltyTier: 'SILVER',
  region: 'US-EAST',
  createdAt: new Date('2025-10-23T00:00:00.000Z'),
  identities: [
    { kind: 'EMAIL', value: 'liam.nguyen.1@example.com' },
    { kind: 'WEB_ACCOUNT', value: 'web_000001' },
    { kind: 'LOYALTY_CARD', value: 'LC0000007919' },
    { kind: 'PHONE', value: '+15550000001' },
  ],
};

describe('PII masking', () => {
  test('an email keeps its first character and its domain', () => {
    assert.equal(maskEmail('liam.nguyen.1@example.com'), 'l***@example.com');
    assert.equal(maskEmail('a@b.io'), 'a***@b.io');
  });

  test('a malformed email is masked entirely', () => {
    assert.equal(maskEmail('not-an-email'), '***');
    assert.equal(maskEmail('@example.com'), '***');
  });

  test('a phone keeps its leading plus and digit and its last four digits behind seven stars, whatever its length', () => {
    assert.equal(maskPhone('+15550000042'), '+1*******0042');
    assert.equal(maskPhone('+491550001234'), '+4*******1234');
    assert.equal(maskPhone('0171 555 1234'), '0*******1234');
  });

  test('a phone too short to mask partly is masked entirely', () => {
    assert.equal(maskPhone('+12345'), '*******');
  });

  test('only EMAIL and PHONE identity values are personal data', () => {
    assert.equal(maskIdentityValue('EMAIL', 'ava@example.com'), 'a***@example.com');
    assert.equal(maskIdentityValue('PHONE', '+15550000042'), '+1*******0042');
    assert.equal(maskIdentityValue('LOYALTY_CARD', 'LC0000007919'), 'LC0000007919');
    assert.equal(maskIdentityValue('WEB_ACCOUNT', 'web_000001'), 'web_000001');
    assert.equal(maskIdentityValue('MARKETPLACE_BUYER', 'mkt_00000031'), 'mkt_00000031');
  });

  test('a masked view masks email, phone and PII identities and says so', () => {
    const view = presentCustomer(record, false);
    assert.equal(view.piiMasked, true);
    assert.equal(view.email, 'l***@example.com');
    assert.equal(view.phone, '+1*******0001');
    assert.deepEqual(
      view.identities.map((identity) => identity.value),
      ['l***@example.com', 'web_000001', 'LC0000007919', '+1*******0001'],
    );
    assert.equal(view.name, 'Liam Nguyen');
    assert.equal(view.id, 'cus_00001');
  });

  test('an unmasked view is the record as stored', () => {
    const view = presentCustomer(record, true);
    assert.equal(view.piiMasked, false);
    assert.equal(view.email, record.email);
    assert.equal(view.phone, record.phone);
    assert.deepEqual(view.identities, record.identities);
  });

  test('missing contact details stay null rather than becoming a mask', () => {
    const view = presentCustomer({ ...record, email: undefined, phone: null }, false);
    assert.equal(view.email, null);
    assert.equal(view.phone, null);
  });

  test('associates, admins and the customer themself see PII; analysts and other customers do not', () => {
    assert.equal(seesPii(principals.associate, false), true);
    assert.equal(seesPii(principals.admin, false), true);
    assert.equal(seesPii(principals.analyst, false), false);
    assert.equal(seesPii(principals.customer('cus_00001'), true), true);
    assert.equal(seesPii(principals.customer('cus_00001'), false), false);
  });

  test('only callers who may read PII may use it as a lookup key', () => {
    assert.equal(mayMatchOnPii(principals.associate), true);
    assert.equal(mayMatchOnPii(principals.admin), true);
    assert.equal(mayMatchOnPii(principals.analyst), false);
    assert.equal(mayMatchOnPii(principals.customer('cus_00001')), false);
  });
});
