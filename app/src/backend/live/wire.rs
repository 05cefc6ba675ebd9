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
pub(super) fn pack(from: &str, events: Vec<Wire>) -> Vec<String> {
    let mut out = Vec::new();
    let mut batch = WireBatch {
        from: from.to_owned(),
        events: Vec::new(),
    };
    let mut size = 0;
    for e in events {
        let len = serde_json::to_string(&e).map_or(usize::MAX, |j| j.len() + 1);
        if len > NOTIFY_PAYLOAD_MAX - 100 {
            tracing::warn!(name = e.name, "ephemeral event too big for other instances");
            continue;
        }
        if size + len > NOTIFY_PAYLOAD_MAX - 100 {
            out.extend(serde_json::to_string(&batch).ok());
            batch.events.clear();
            size = 0;
        }
        size += len;
        batch.events.push(e);
    }
    if !batch.events.is_empty() {
        out.extend(serde_json::to_string(&batch).ok());
    }
    out
}
