//! Ephemeral events between instances: packed into PostgreSQL NOTIFY payloads.

use crate::domain::live::{Audience, EventName, LiveEvent};
use crate::domain::{JobId, UserId};

/// An ephemeral event as told to the other instances through NOTIFY.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct Wire {
    pub(super) name: String,
    pub(super) job: String,
    pub(super) data: String,
    pub(super) customer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) mechanic: Option<String>,
}

impl Wire {
    pub(super) fn of(e: &LiveEvent) -> Self {
        Wire {
            name: e.name.as_str().to_owned(),
            job: String::from(e.job_id.clone()),
            data: e.data.clone(),
            customer: String::from(e.audience.customer_id.clone()),
            mechanic: e.audience.mechanic_id.clone().map(String::from),
        }
    }

    pub(super) fn event(self) -> Option<LiveEvent> {
        Some(LiveEvent {
            id: None,
            name: EventName::parse(&self.name)?,
            job_id: JobId::from(self.job),
            data: self.data,
            audience: Audience {
                customer_id: UserId::from(self.customer),
                mechanic_id: self.mechanic.map(UserId::from),
                nearby: None,
            },
        })
    }
}

/// Several ephemeral events in one notification, from one instance.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct WireBatch {
    pub(super) from: String,
    pub(super) events: Vec<Wire>,
}

/// PostgreSQL refuses a NOTIFY payload of 8000 bytes or more.
pub(super) const NOTIFY_PAYLOAD_MAX: usize = 7_000;

/// Packs `events` into as few payloads under the limit as it can; an
/// event too big for one alone is dropped (ephemeral events are small).
/// Each event is turned into JSON once, and the payloads are that JSON
/// joined: a `WireBatch` with `from` first, which lets an instance tell
/// its own notifications from the payload's start ([`from_self`]).
pub(super) fn pack(from: &str, events: Vec<Wire>) -> Vec<String> {
    let head = match serde_json::to_string(from) {
        Ok(from) => format!("{{\"from\":{from},\"events\":["),
        Err(_) => return Vec::new(),
    };
    let mut out = Vec::new();
    let mut payload = head.clone();
    for e in events {
        let Ok(json) = serde_json::to_string(&e) else {
            continue;
        };
        if head.len() + json.len() + 2 > NOTIFY_PAYLOAD_MAX {
            tracing::warn!(name = e.name, "ephemeral event too big for other instances");
            continue;
        }
        if payload.len() + json.len() + 2 > NOTIFY_PAYLOAD_MAX {
            payload.push_str("]}");
            out.push(std::mem::replace(&mut payload, head.clone()));
        }
        if payload.len() > head.len() {
            payload.push(',');
        }
        payload.push_str(&json);
    }
    if payload.len() > head.len() {
        payload.push_str("]}");
        out.push(payload);
    }
    out
}

/// Whether `payload` was packed by `instance` (then it need not be read).
pub(super) fn from_self(payload: &str, instance: &str) -> bool {
    serde_json::to_string(instance).is_ok_and(|from| {
        payload
            .strip_prefix("{\"from\":")
            .is_some_and(|rest| rest.starts_with(&from))
    })
}
