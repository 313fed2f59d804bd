// cancel_sm, replace_sm and submit_multi against `simsms serve` with the
// npm `smpp` package's client (its PDU codec and framing), for
// tests/serve_operations.rs.
//
// usage: node smpp_operations.js PORT_OPS PORT_SLOW PASSWORD
// (accounts `ops` on a provider with no limit, `slow` on one that sends a
// message an hour, of tests/live/operations_scenario.toml)
//
// multi:  submit_multi to two numbers, a malformed one and a distribution
//         list; waits for both receipts.
// queued: on `slow`, two messages; the second (waiting in the queue) is
//         replaced, then cancelled; waits for its DELETED receipt.
// late:   on `ops`, a message waited for until its receipt, then cancelled
//         and replaced (too late).
// Prints one JSON line of what it saw; exits 1 after 20 s if incomplete.
const smpp = require('smpp');

const [portOps, portSlow, password] = process.argv.slice(2);
const seen = {};
setTimeout(() => {
  console.error('incomplete after 20 s: ' + JSON.stringify(seen));
  process.exit(1);
}, 20000);

// A bound transceiver whose receipts are acknowledged and handed to
// `onReceipt(text)`.
function bound(port, systemId, onReceipt) {
  return new Promise((resolve, reject) => {
    const session = smpp.connect({ url: `smpp://127.0.0.1:${port}` });
    session.on('error', reject);
    session.on('deliver_sm', (pdu) => {
      session.send(pdu.response());
      onReceipt(String(pdu.short_message.message || pdu.short_message));
    });
    session.bind_transceiver({ system_id: systemId, password }, (pdu) => {
      if (pdu.command_status !== 0) reject(new Error(`bind ${pdu.command_status}`));
      else resolve(session);
    });
  });
}

const call = (session, command, params) =>
  new Promise((resolve) => session[command](params, resolve));

// Resolves when `count` receipts matching `keep` have come to `receipts`.
function waiter() {
  const receipts = [];
  let wake = () => {};
  const until = (test) => new Promise((resolve) => {
    const check = () => (test(receipts) ? resolve(receipts) : (wake = check));
    check();
  });
  return { receipts, push: (text) => { receipts.push(text); wake(); }, until };
}

async function multi() {
  const w = waiter();
  const s = await bound(portOps, 'ops', w.push);
  const resp = await call(s, 'submit_multi', {
    source_addr: 'SIMSMS',
    registered_delivery: 1,
    dest_address: [
      { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '819012345670' },
      { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '12' },
      { dl_name: 'friends' },
      { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '819012345671' },
    ],
    short_message: 'Your code is 123456',
  });
  const receipts = await w.until((r) => r.length >= 2);
  seen.multi = {
    status: resp.command_status,
    message_id: resp.message_id,
    unsuccess: resp.unsuccess_sme.map((u) => [u.destination_addr, u.error_status_code]),
    receipt_ids: receipts.map((t) => t.split(' ')[0].slice(3)),
  };
  s.close();
}

async function queued() {
  const w = waiter();
  const s = await bound(portSlow, 'slow', w.push);
  const submit = (to, text) => call(s, 'submit_sm', {
    source_addr: 'SIMSMS', destination_addr: to, registered_delivery: 1, short_message: text,
  });
  const first = await submit('819012345672', 'first');
  const second = await submit('819012345673', 'Your code is 123456');
  const replaced = await call(s, 'replace_sm', {
    message_id: second.message_id, source_addr: 'SIMSMS', short_message: 'Your code is 654321',
  });
  const cancelled = await call(s, 'cancel_sm', {
    message_id: second.message_id, source_addr: 'SIMSMS', destination_addr: '819012345673',
  });
  const query = await call(s, 'query_sm', { message_id: second.message_id, source_addr: 'SIMSMS' });
  const receipts = await w.until((r) => r.some((t) => t.startsWith(`id:${second.message_id} `)));
  seen.queued = {
    first: first.message_id,
    replace_status: replaced.command_status,
    cancel_status: cancelled.command_status,
    query_state: query.message_state,
    receipt: receipts.find((t) => t.startsWith(`id:${second.message_id} `)),
  };
  s.close();
}

async function late() {
  const w = waiter();
  const s = await bound(portOps, 'ops', w.push);
  const sent = await call(s, 'submit_sm', {
    source_addr: 'SIMSMS', destination_addr: '819012345674', registered_delivery: 1,
    short_message: 'Your code is 123456',
  });
  await w.until((r) => r.some((t) => t.startsWith(`id:${sent.message_id} `)));
  const cancelled = await call(s, 'cancel_sm', { message_id: sent.message_id, source_addr: 'SIMSMS' });
  const replaced = await call(s, 'replace_sm', {
    message_id: sent.message_id, source_addr: 'SIMSMS', short_message: 'too late',
  });
  const unknown = await call(s, 'cancel_sm', { message_id: '999999', source_addr: 'SIMSMS' });
  seen.late = {
    cancel_status: cancelled.command_status,
    replace_status: replaced.command_status,
    unknown_status: unknown.command_status,
  };
  s.close();
}

(async () => {
  await multi();
  await queued();
  await late();
  console.log(JSON.stringify(seen));
  process.exit(0);
})().catch((e) => {
  console.error(String(e));
  process.exit(1);
});
