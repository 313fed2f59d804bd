// An SMSC built on the npm `smpp` package (its server, PDU codec and
// framing), for simsms load's test against an SMPP server no one here wrote.
//
// usage: node smpp_server.js SYSTEM_ID PASSWORD
// Prints "listening PORT" once bound on 127.0.0.1. Every submit_sm gets a
// decimal message id; every 20th is answered ESME_RTHROTTLED (0x58). An
// accepted message gets a receipt 20 ms later: UNDELIV when the
// destination ends in 7, DELIVRD otherwise, with the receipted_message_id
// and message_state TLVs and the standard text. On SIGTERM it prints its
// counts as one JSON line and exits.
const smpp = require('smpp');

const [systemId, password] = process.argv.slice(2);
const counts = { binds: 0, submits: 0, throttled: 0, DELIVRD: 0, UNDELIV: 0, acked: 0 };
let nextId = 1000;

function stamp(d) {
  const two = (n) => String(n).padStart(2, '0');
  return two(d.getUTCFullYear() % 100) + two(d.getUTCMonth() + 1) + two(d.getUTCDate()) +
    two(d.getUTCHours()) + two(d.getUTCMinutes());
}

const server = smpp.createServer((session) => {
  session.on('error', () => {});
  session.on('bind_transceiver', (pdu) => {
    if (pdu.system_id !== systemId || pdu.password !== password) {
      session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
      session.close();
      return;
    }
    counts.binds += 1;
    session.send(pdu.response({ system_id: 'npm-smpp' }));
  });
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => { session.send(pdu.response()); session.close(); });
  session.on('deliver_sm_resp', () => { counts.acked += 1; });
  session.on('submit_sm', (pdu) => {
    counts.submits += 1;
    if (counts.submits % 20 === 0) {
      counts.throttled += 1;
      session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
      return;
    }
    const id = String(nextId++);
    session.send(pdu.response({ message_id: id }));
    const to = String(pdu.destination_addr);
    const delivered = !to.endsWith('7');
    const stat = delivered ? 'DELIVRD' : 'UNDELIV';
    counts[stat] += 1;
    const submitted = new Date();
    setTimeout(() => {
      const text = `id:${id} sub:001 dlvrd:${delivered ? '001' : '000'} submit date:${stamp(submitted)} ` +
        `done date:${stamp(new Date())} stat:${stat} err:000 text:`;
      session.deliver_sm({
        source_addr: to,
        destination_addr: String(pdu.source_addr),
        esm_class: 4,
        short_message: text,
        receipted_message_id: id,
        message_state: delivered ? 2 : 5,
      });
    }, 20);
  });
});

server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});

process.on('SIGTERM', () => {
  console.log(JSON.stringify(counts));
  process.exit(0);
});
