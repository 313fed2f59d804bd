//! A raw SMPP client for tests that drive an in-process `simsms serve`
//! with rusmpp PDUs: connect, bind a transceiver, send a PDU, read the
//! next one within a timeout.

use futures::{SinkExt, StreamExt};
use rusmpp::pdus::BindTransceiver;
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::types::COctetString;
use rusmpp::{Command, CommandStatus, Pdu};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

/// A TCP connection framed as SMPP commands.
pub type Client = Framed<TcpStream, CommandCodec>;

/// A connection to `address`, not yet bound.
pub async fn connect(address: SocketAddr) -> Client {
    Framed::new(
        TcpStream::connect(address).await.unwrap(),
        CommandCodec::new(),
    )
}

/// Binds `client` as a transceiver with these credentials (sequence
/// number 1); the answer's status.
pub async fn bind_transceiver(
    client: &mut Client,
    system_id: &str,
    password: &str,
) -> CommandStatus {
    let pdu = BindTransceiver::builder()
        .system_id(COctetString::from_string(system_id.into()).unwrap())
        .password(COctetString::from_string(password.into()).unwrap())
        .build();
    send(client, 1, pdu.into()).await;
    next(client).await.status()
}

/// A connection to `address` bound as a transceiver with these
/// credentials; fails the test unless ESME_ROK.
pub async fn bound(address: SocketAddr, system_id: &str, password: &str) -> Client {
    let mut client = connect(address).await;
    let status = bind_transceiver(&mut client, system_id, password).await;
    assert_eq!(status, CommandStatus::EsmeRok);
    client
}

/// Sends `pdu` with this sequence number.
pub async fn send(client: &mut Client, sequence: u32, pdu: Pdu) {
    client
        .send(Command::new(CommandStatus::EsmeRok, sequence, pdu))
        .await
        .unwrap();
}

/// The next PDU, failing the test if none comes within 5 s, the
/// connection closes or it cannot be decoded.
pub async fn next(client: &mut Client) -> Command {
    tokio::time::timeout(Duration::from_secs(5), client.next())
        .await
        .expect("a PDU within 5 s")
        .expect("the connection is open")
        .expect("a decodable PDU")
}
