// The npm `smpp` package's client pushing submit_sm as fast as it can, for
// bench/live_limit.sh: BINDS transceiver binds, each keeping WINDOW submits
// awaiting their resp (a new one goes out as each resp comes back), for
// SECONDS. Every submit asks for a receipt; every receipt is acknowledged
// and counted. Then waits up to 10 s for the receipts still due.
//
// usage: NODE_PATH=target/live-node/node_modules \
//          node bench/npm_smpp_push.js HOST PORT SYSTEM_ID PASSWORD SECONDS BINDS WINDOW
// Prints one JSON line: submits answered, receipts, and their rates over
// the pushing time.
const smpp = require('smpp');

const [host, port, systemId, password] = process.argv.slice(2, 6);
const seconds = Number(process.argv[6]);
const binds = Number(process.argv[7] || 1);
const window = Number(process.argv[8] || 256);
const WAIT_AFTER_MS = 10000;

let sent = 0;
let answered = 0;
let failed = 0;
let receipts = 0;
let number = 0;
let start = 0;
let pushEnd = 0;
let lastAnswer = 0;

function bind() {
  return new Promise((resolve, reject) => {
    const session = smpp.connect({ url: `smpp://${host}:${port}` });
    session.on('error', reject);
    session.on('deliver_sm', (pdu) => {
      session.send(pdu.response());
      receipts += 1;
    });
    session.bind_transceiver({ system_id: systemId, password }, (pdu) => {
      if (pdu.command_status !== 0) reject(new Error(`bind status ${pdu.command_status}`));
      else resolve(session);
    });
  });
}

function submitOne(session) {
  if (Date.now() >= pushEnd) return;
  sent += 1;
  number += 1;
  session.submit_sm(
    {
      source_addr: 'SIMSMS',
      destination_addr: '8190' + String(number).padStart(8, '0'),
      registered_delivery: 1,
      short_message: 'Your code is 123456',
    },
    (pdu) => {
      answered += 1;
      if (pdu.command_status !== 0) failed += 1;
      lastAnswer = Date.now();
      submitOne(session);
    },
  );
}

async function main() {
  const sessions = [];
  for (let i = 0; i < binds; i += 1) sessions.push(await bind());
  start = Date.now();
  pushEnd = start + seconds * 1000;
  for (const s of sessions) for (let k = 0; k < window; k += 1) submitOne(s);
  const deadline = pushEnd + WAIT_AFTER_MS;
  const poll = setInterval(() => {
    const now = Date.now();
    const ok = receipts >= answered - failed;
    if ((now >= pushEnd && answered === sent && ok) || now >= deadline) {
      clearInterval(poll);
      const pushed = Math.max(1, lastAnswer - start) / 1000;
      console.log(JSON.stringify({
        generator: 'npm smpp 0.5.1',
        binds,
        window,
        sent,
        answered,
        failed,
        receipts,
        submits_per_s: Math.round(answered / pushed),
        receipts_per_s: Math.round(receipts / ((now - start) / 1000)),
      }));
      process.exit(0);
    }
  }, 10);
}

main().catch((e) => {
  console.error(String(e));
  process.exit(1);
});
