//! Conversations about a job: the rules for a message's text, who may
//! write in a thread, links in text, and what messages and threads look like.

use crate::domain::text_enum::text_enum;
use crate::domain::{AppError, JobId, MessageId, ReportId, Timestamp, UserId, job::JobStatus};
use serde::{Deserialize, Serialize};

/// The longest message, in characters.
pub const BODY_MAX: usize = 2000;
/// Messages one person may send in [`SEND_WINDOW_MS`], unless
/// `MESSAGES_PER_MINUTE` says otherwise.
pub const SENDS_PER_WINDOW: usize = 20;
pub const SEND_WINDOW_MS: i64 = 60_000;
/// A typing notice is passed on at most this often per person and thread.
pub const TYPING_EVERY_MS: i64 = 3000;
/// Messages in a page of history unless the client asks for fewer.
pub const PAGE_MAX: usize = 50;
/// The longest report reason.
pub const REASON_MAX: usize = 500;

text_enum! {
    /// What a message holds: text, or a photo (its key in `media`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum MessageKind {
        Text = "text",
        Image = "image",
    }
}

/// A message's text as sent: trimmed, not empty, at most [`BODY_MAX`] characters.
pub fn parse_body(raw: &str) -> Result<String, AppError> {
    let body = raw.trim();
    let count = body.chars().count();
    if count == 0 {
        return Err(AppError::invalid("body", "Type a message first."));
    }
    if count > BODY_MAX {
        return Err(AppError::invalid(
            "body",
            format!("A message can be at most 2,000 characters; this one has {count}."),
        ));
    }
    Ok(body.to_owned())
}

/// Why someone reports a conversation: trimmed, 3 to [`REASON_MAX`] characters.
pub fn parse_reason(raw: &str) -> Result<String, AppError> {
    let reason = raw.trim();
    let count = reason.chars().count();
    if count < 3 {
        return Err(AppError::invalid("reason", "Say briefly what went wrong."));
    }
    if count > REASON_MAX {
        return Err(AppError::invalid(
            "reason",
            "Keep the reason under 500 characters.",
        ));
    }
    Ok(reason.to_owned())
}

/// A client-chosen message id: a UUID in its usual text form, lower-cased.
pub fn parse_message_id(raw: &str) -> Result<MessageId, AppError> {
    let id = raw.trim().to_ascii_lowercase();
    let well_formed = id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    if well_formed {
        Ok(MessageId::from(id))
    } else {
        Err(AppError::invalid(
            "id",
            "A message id is a UUID such as 0190a1b2-0000-7000-8000-000000000001.",
        ))
    }
}

/// Why a party may not write in a thread now; `None`: they may.
pub fn closed_because(
    status: JobStatus,
    booked: Option<&UserId>,
    thread_mechanic: &UserId,
    has_live_quote: bool,
) -> Option<&'static str> {
    match booked {
        Some(m) if m == thread_mechanic => {
            (status == JobStatus::Cancelled).then_some("This job was cancelled.")
        }
        Some(_) => Some("The customer booked another mechanic for this job."),
        None if status == JobStatus::Cancelled => Some("This job was cancelled."),
        None if !has_live_quote => Some("This conversation closed when the quote was withdrawn."),
        None => None,
    }
}

/// A piece of a message's text: plain, or a link to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    /// Only `http://` and `https://` addresses become links.
    Link(&'a str),
}

/// Splits text into plain runs and http(s) links. A link runs to the next
/// whitespace, less the punctuation that usually ends a sentence.
pub fn segments(text: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut plain_from = 0;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let at_word_start = i == 0 || text[..i].ends_with(char::is_whitespace);
        let scheme = ["https://", "http://"].into_iter().find(|s| {
            rest.len() > s.len() && rest.as_bytes()[..s.len()].eq_ignore_ascii_case(s.as_bytes())
        });
        if let (true, Some(scheme)) = (at_word_start, scheme) {
            let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let link =
                rest[..word_end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'', '"']);
            if link.len() > scheme.len() {
                if plain_from < i {
                    out.push(Segment::Text(&text[plain_from..i]));
                }
                out.push(Segment::Link(link));
                i += link.len();
                plain_from = i;
                continue;
            }
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    if plain_from < text.len() {
        out.push(Segment::Text(&text[plain_from..]));
    }
    out
}

/// One message, as the thread's parties see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub job: JobId,
    /// The thread's mechanic: with the job, it names the thread.
    pub mechanic: UserId,
    pub sender: UserId,
    pub kind: MessageKind,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<String>,
    /// The server's order within every thread.
    pub seq: i64,
    pub sent_at: Timestamp,
}

/// A thread from one viewer's side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thread {
    pub job: JobId,
    pub mechanic: UserId,
    pub customer: UserId,
    pub customer_name: String,
    pub mechanic_name: String,
    /// Why the viewer cannot write here, if they cannot.
    pub closed: Option<String>,
    /// How far the customer and the mechanic have read.
    pub customer_read: i64,
    pub mechanic_read: i64,
    /// Someone reported the conversation; `blocked_by` still may write.
    pub blocked_by: Option<UserId>,
}

impl Thread {
    /// How far the other party (of `me`) has read.
    pub fn read_by_other(&self, me: &UserId) -> i64 {
        if *me == self.customer {
            self.mechanic_read
        } else {
            self.customer_read
        }
    }

    /// How far `me` has read.
    pub fn read_by(&self, me: &UserId) -> i64 {
        if *me == self.customer {
            self.customer_read
        } else {
            self.mechanic_read
        }
    }
}

/// A page of history, newest first, and where the next (older) page starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagePage {
    pub thread: Thread,
    pub messages: Vec<Message>,
    /// Pass as `before` for older messages; `None`: this is the first.
    pub older: Option<i64>,
}

/// What `message:read` carries: `reader` has read the thread up to `seq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadData {
    pub job: JobId,
    pub mechanic: UserId,
    pub reader: UserId,
    pub seq: i64,
}

/// What `message:typing` carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypingData {
    pub job: JobId,
    pub mechanic: UserId,
    pub who: UserId,
}

/// Unread messages for the viewer, per thread.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Unread {
    pub total: i64,
    pub threads: Vec<UnreadThread>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnreadThread {
    pub job: JobId,
    pub mechanic: UserId,
    pub count: i64,
}

impl Unread {
    pub fn of_job(&self, job: &str) -> i64 {
        self.threads
            .iter()
            .filter(|t| t.job == job)
            .map(|t| t.count)
            .sum()
    }

    pub fn of_thread(&self, job: &str, mechanic: &str) -> i64 {
        self.threads
            .iter()
            .filter(|t| t.job == job && t.mechanic == mechanic)
            .map(|t| t.count)
            .sum()
    }
}

/// A reported conversation, for admins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatReport {
    pub id: ReportId,
    pub job: JobId,
    pub mechanic: UserId,
    pub reporter: UserId,
    pub reporter_name: String,
    pub reason: String,
    pub created_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub closed_by_name: Option<String>,
    pub outcome: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_trimmed_and_must_hold_one_to_2000_characters() {
        assert_eq!(parse_body("  hi there \n").unwrap(), "hi there");
        assert_eq!(
            parse_body(" \n\t ").unwrap_err().for_field("body").unwrap(),
            "Type a message first."
        );
        assert!(
            parse_body(&"é".repeat(2000)).is_ok(),
            "characters, not bytes"
        );
        let long = parse_body(&"a".repeat(2001)).unwrap_err();
        assert!(long.for_field("body").unwrap().contains("2001"));
    }

    #[test]
    fn a_message_id_must_be_a_uuid() {
        assert_eq!(
            parse_message_id("0190A1B2-0000-7000-8000-00000000000F").unwrap(),
            "0190a1b2-0000-7000-8000-00000000000f"
        );
        for bad in [
            "",
            "1",
            "0190a1b2-0000-7000-8000-00000000000g",
            "0190a1b2000070008000000000000000000f",
        ] {
            assert!(parse_message_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_thread_is_open_to_a_live_quote_and_then_only_to_the_booked_mechanic() {
        let dan = UserId::from("dan");
        let sam = UserId::from("sam");
        assert_eq!(closed_because(JobStatus::Quoted, None, &dan, true), None);
        assert!(closed_because(JobStatus::Quoted, None, &dan, false).is_some());
        assert_eq!(
            closed_because(JobStatus::EnRoute, Some(&dan), &dan, false),
            None
        );
        assert_eq!(
            closed_because(JobStatus::Completed, Some(&dan), &dan, false),
            None
        );
        assert_eq!(
            closed_because(JobStatus::Accepted, Some(&sam), &dan, true),
            Some("The customer booked another mechanic for this job.")
        );
        assert!(closed_because(JobStatus::Cancelled, Some(&dan), &dan, false).is_some());
        assert!(closed_because(JobStatus::Cancelled, None, &dan, true).is_some());
    }

    #[test]
    fn only_http_and_https_addresses_become_links() {
        use Segment::*;
        assert_eq!(
            segments("See https://example.com/a?b=1. Or HTTP://x.io, ok"),
            vec![
                Text("See "),
                Link("https://example.com/a?b=1"),
                Text(". Or "),
                Link("HTTP://x.io"),
                Text(", ok")
            ]
        );
        assert_eq!(
            segments("javascript:alert(1) <b>x</b> ftp://a.b"),
            vec![Text("javascript:alert(1) <b>x</b> ftp://a.b")]
        );
        assert_eq!(segments("xhttps://a.b"), vec![Text("xhttps://a.b")]);
        assert_eq!(segments("https://"), vec![Text("https://")]);
        assert_eq!(segments("(https://a.b)"), vec![Text("(https://a.b)")]);
        assert_eq!(
            segments("café https://ü.de"),
            vec![Text("café "), Link("https://ü.de")]
        );
        assert_eq!(segments(""), vec![]);
    }
}
