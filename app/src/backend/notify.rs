//! Notifications written with the events they are about: the centre's
//! entries, the `notification:new` events that tell open tabs, and the
//! pushes queued for each device the user's preferences let through.
//!
//! Everything here runs inside the transaction that records the events
//! (`live::record`), so a change, its notifications and their pushes
//! commit together or not at all: a push is never lost to a crash between
//! them, and none is queued for a change that rolled back.

use crate::backend::{
    db::Write,
    live::Pending,
    new_id,
    store::{notifications as store, push},
};
use crate::domain::{
    NotificationId, Timestamp,
    live::{Audience, EventName},
    notification::{self, EventFacts, Notice, NotificationAdded, NotificationPrefs},
};

/// Writes the notifications `events` give rise to, queues their pushes,
/// and returns the `notification:new` events to record beside them.
pub async fn enqueue(
    tx: &mut Write,
    events: &[Pending],
    now: Timestamp,
) -> Result<Vec<Pending>, sqlx::Error> {
    let mut told = Vec::new();
    for e in events {
        let facts = EventFacts {
            name: e.name,
            job: &e.job,
            customer: &e.audience.customer_id,
            mechanic: e.audience.mechanic_id.as_ref(),
            status: e.status,
            sender: e.sender.as_ref(),
        };
        let recipients = notification::recipients(&facts);
        if recipients.is_empty() {
            continue;
        }
        let names = store::names(tx, &e.job, e.audience.mechanic_id.as_ref()).await?;
        for (user, kind) in recipients {
            let n = notification::notice(&facts, user, kind, &names);
            told.push(write(tx, &n, now).await?);
        }
    }
    Ok(told)
}

async fn write(tx: &mut Write, n: &Notice, now: Timestamp) -> Result<Pending, sqlx::Error> {
    let id = NotificationId::from(new_id());
    store::insert(tx, &id, n, now).await?;
    if tx.push {
        queue_pushes(tx, &id, n, now).await?;
    }
    let added = NotificationAdded {
        user: n.user.clone(),
        job: n.job.clone(),
        notification: store::entry(&id, n, now),
    };
    Ok(Pending::carrying(
        EventName::NotificationNew,
        n.job.clone(),
        &added,
        // Both audience slots name the user: their stream sees it whether
        // they watch as a customer or as a mechanic, and nobody else's does.
        Audience {
            customer_id: n.user.clone(),
            mechanic_id: Some(n.user.clone()),
            nearby: None,
        },
    ))
}

/// One push per device of the user, unless their preferences hold it back now.
async fn queue_pushes(
    tx: &mut Write,
    id: &NotificationId,
    n: &Notice,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let prefs = store::prefs(tx, &n.user).await?.unwrap_or_default();
    if !prefs.pushes(n.kind, local_minute(&prefs, now)) {
        return Ok(());
    }
    push::queue_pushes(tx, id, &n.user, now).await
}

/// Minutes after midnight at `now` in the user's time zone (UTC when the
/// stored zone is unknown to this build's time zone database).
pub fn local_minute(prefs: &NotificationPrefs, now: Timestamp) -> u16 {
    let zone = jiff::tz::TimeZone::get(&prefs.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    match jiff::Timestamp::from_millisecond(now.millis()) {
        Ok(t) => {
            let local = t.to_zoned(zone);
            (local.hour() as u16) * 60 + local.minute() as u16
        }
        Err(_) => 0,
    }
}

/// Whether `name` is a time zone this server knows.
pub fn known_zone(name: &str) -> bool {
    jiff::tz::TimeZone::get(name).is_ok()
}
