//! Splitting the byte stream into PDUs ourselves, so one bad PDU never ends
//! a session: read the 4-byte command_length, check it against the cap,
//! read the rest, then decode that frame alone. An undecodable frame is
//! answered with generic_nack carrying the sequence number from header
//! bytes 12..16. (rusmpp's `Framed` codec ends the stream on the first
//! decode error, and the error carries no sequence number.)

use bytes::BytesMut;
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::{Command, CommandStatus};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::codec::{Decoder, Encoder};

/// The smallest PDU: a 16-octet header.
const HEADER: usize = 16;

/// One frame read from the peer.
#[derive(Debug)]
pub enum Frame {
    Command(Box<Command>),
    /// A frame that did not decode: answer generic_nack with this status.
    Undecodable {
        sequence: u32,
        status: CommandStatus,
    },
}

/// Why the stream cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    /// A command_length outside 16..=cap: the stream cannot be resynchronised.
    #[error("command_length {length} outside 16..={max}")]
    Length { length: u32, max: u32 },
}

impl FrameError {
    /// What arrived, as a phrase for a sentence about the peer.
    pub fn describe(&self) -> String {
        match self {
            FrameError::Io(e) => e.to_string(),
            FrameError::Length { length, .. } if (*length as usize) < HEADER => {
                format!("a PDU length of {length} octets, less than the {HEADER} of a header")
            }
            FrameError::Length { length, max } => {
                format!("a PDU length of {length} octets, more than the {max} allowed")
            }
        }
    }
}

/// Reads the next frame; `None` at a clean end of stream.
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    max: u32,
) -> Result<Option<Frame>, FrameError> {
    let mut length = [0u8; 4];
    match reader.read_exact(&mut length).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let length_value = u32::from_be_bytes(length);
    if (length_value as usize) < HEADER || length_value > max {
        return Err(FrameError::Length {
            length: length_value,
            max,
        });
    }
    let mut frame = BytesMut::zeroed(length_value as usize);
    frame[..4].copy_from_slice(&length);
    reader.read_exact(&mut frame[4..]).await?;
    Ok(Some(decode(frame, max)))
}

/// Decodes one whole frame.
pub fn decode(frame: BytesMut, max: u32) -> Frame {
    let sequence = u32::from_be_bytes([frame[12], frame[13], frame[14], frame[15]]);
    let command_id = u32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]);
    let mut buffer = frame;
    let mut codec = CommandCodec::new().with_max_length(max as usize);
    match codec.decode(&mut buffer) {
        Ok(Some(command)) => Frame::Command(Box::new(command)),
        _ => Frame::Undecodable {
            sequence,
            status: if is_known(command_id) {
                CommandStatus::EsmeRinvmsglen
            } else {
                CommandStatus::EsmeRinvcmdid
            },
        },
    }
}

/// SMPP 3.4 command ids a peer may send.
fn is_known(id: u32) -> bool {
    matches!(
        id & 0x7fff_ffff,
        0x01..=0x09 | 0x0b | 0x15 | 0x21 | 0x102 | 0x103
    )
}

/// Encodes a command into `out`.
pub fn encode(command: &Command, out: &mut BytesMut) {
    CommandCodec::new()
        .encode(command, out)
        .expect("encoding into memory cannot fail");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_garbage_frame_is_undecodable_with_its_sequence_number() {
        // Length 20, command id submit_sm, sequence 77, then a body too short.
        let mut bytes = vec![0, 0, 0, 20, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 77];
        bytes.extend([0xff, 0xff, 0xff, 0xff]);
        let mut reader = bytes.as_slice();
        match read_frame(&mut reader, 8192).await.unwrap() {
            Some(Frame::Undecodable { sequence, status }) => {
                assert_eq!(sequence, 77);
                assert_eq!(status, CommandStatus::EsmeRinvmsglen);
            }
            other => panic!("expected undecodable, got {other:?}"),
        }
    }

    #[test]
    fn a_bad_length_reads_as_a_phrase() {
        let e = FrameError::Length {
            length: 2_145_735_198,
            max: 8192,
        };
        assert_eq!(
            e.describe(),
            "a PDU length of 2145735198 octets, more than the 8192 allowed"
        );
    }

    #[tokio::test]
    async fn an_oversized_length_ends_the_stream() {
        let bytes = [0u8, 1, 0, 0, 0, 0, 0, 4];
        let mut reader = &bytes[..];
        assert!(matches!(
            read_frame(&mut reader, 8192).await,
            Err(FrameError::Length { length: 65536, .. })
        ));
    }

    #[tokio::test]
    async fn an_enquire_link_decodes() {
        let mut out = BytesMut::new();
        encode(
            &Command::new(CommandStatus::EsmeRok, 5, rusmpp::Pdu::EnquireLink),
            &mut out,
        );
        let mut reader = &out[..];
        match read_frame(&mut reader, 8192).await.unwrap() {
            Some(Frame::Command(c)) => assert_eq!(c.sequence_number(), 5),
            other => panic!("{other:?}"),
        }
        assert!(read_frame(&mut reader, 8192).await.unwrap().is_none());
    }
}
