//! The hub's routing, cut-offs and cross-instance packing.

use super::{
    hub::Hub,
    wire::{NOTIFY_PAYLOAD_MAX, Wire, WireBatch, from_self, pack},
    *,
};
use crate::domain::{
    FeatureFlags, UserId,
    geo::GeoPoint,
    live::{Audience, EventName, LiveEvent, StreamFilter, Watcher},
};
use std::{sync::Arc, time::Duration};
use tokio::sync::mpsc;

fn event(customer: &str, mechanic: Option<&str>, nearby: Option<GeoPoint>) -> LiveEvent {
    LiveEvent {
        id: Some(1),
        name: EventName::JobCreated,
        job_id: "j1".into(),
        data: "{}".into(),
        audience: Audience {
            customer_id: customer.into(),
            mechanic_id: mechanic.map(Into::into),
            nearby,
        },
    }
}

fn all(watcher: Watcher) -> StreamFilter {
    StreamFilter {
        watcher,
        job: None,
        features: FeatureFlags::default(),
    }
}

fn received(s: &mut Subscription) -> usize {
    let mut n = 0;
    while s.events.try_recv().is_ok() {
        n += 1;
    }
    n
}

#[test]
fn events_reach_only_the_streams_that_may_see_them() {
    let hub = Hub::new(8);
    let camden = GeoPoint::new(51.539, -0.1426).unwrap();
    let mut priya = hub.subscribe(
        all(Watcher::Customer { id: "c1".into() }),
        &UserId::from("c1"),
    );
    let mut ben = hub.subscribe(
        all(Watcher::Customer { id: "c2".into() }),
        &UserId::from("c2"),
    );
    let mut admin = hub.subscribe(all(Watcher::Admin), &UserId::from("a1"));
    let mut dan = hub.subscribe(
        all(Watcher::Mechanic {
            id: "m1".into(),
            reach: Some((camden, 10)),
        }),
        &UserId::from("m1"),
    );
    let mut off = hub.subscribe(
        all(Watcher::Mechanic {
            id: "m2".into(),
            reach: None,
        }),
        &UserId::from("m2"),
    );
    let delivered = hub
        .registry()
        .dispatch(&Arc::new(event("c1", None, Some(camden))));
    assert_eq!(delivered, 3);
    hub.registry()
        .dispatch(&Arc::new(event("c1", Some("m2"), None)));
    assert_eq!(
        [&mut priya, &mut ben, &mut admin, &mut dan, &mut off].map(received),
        [2, 0, 2, 1, 1]
    );
}

#[test]
fn an_admins_stream_of_one_job_gets_that_jobs_events_and_leaves_no_trace() {
    let hub = Hub::new(8);
    let of = |job: &str| StreamFilter {
        job: Some(job.into()),
        ..all(Watcher::Admin)
    };
    let mut j1 = hub.subscribe(of("j1"), &UserId::from("a1"));
    let mut j2 = hub.subscribe(of("j2"), &UserId::from("a1"));
    assert_eq!(
        hub.registry().dispatch(&Arc::new(event("c1", None, None))),
        1
    );
    assert_eq!([&mut j1, &mut j2].map(received), [1, 0]);
    drop(j1);
    drop(j2);
    let registry = hub.registry();
    assert!(registry.admins_of_job.is_empty() && registry.subs.is_empty());
}

#[test]
fn a_stream_that_falls_behind_is_cut_off_and_a_dropped_one_unsubscribes() {
    let hub = Hub::new(2);
    let mut slow = hub.subscribe(all(Watcher::Admin), &UserId::from("a1"));
    let mut quick = hub.subscribe(all(Watcher::Admin), &UserId::from("a1"));
    for _ in 0..3 {
        hub.registry().dispatch(&Arc::new(event("c1", None, None)));
        received(&mut quick);
    }
    // The slow one keeps what it had, then ends; the quick one got all three.
    assert_eq!(hub.subscribers(), 1);
    assert_eq!(received(&mut slow), 2);
    assert!(matches!(
        slow.events.try_recv(),
        Err(mpsc::error::TryRecvError::Disconnected)
    ));
    drop(quick);
    assert_eq!(hub.subscribers(), 0);
}

#[test]
fn closing_ends_open_streams_and_refuses_new_ones() {
    let hub = Hub::new(8);
    let mut open = hub.subscribe(all(Watcher::Admin), &UserId::from("a1"));
    hub.close_all();
    let mut late = hub.subscribe(all(Watcher::Admin), &UserId::from("a1"));
    for s in [&mut open, &mut late] {
        assert!(matches!(
            s.events.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
    }
}

#[test]
fn opening_one_stream_too_many_closes_the_owners_oldest() {
    let hub = Hub::new(8);
    let mut first = hub.subscribe(
        all(Watcher::Customer { id: "c1".into() }),
        &UserId::from("c1"),
    );
    let mut rest: Vec<Subscription> = (1..STREAMS_PER_USER)
        .map(|_| {
            hub.subscribe(
                all(Watcher::Customer { id: "c1".into() }),
                &UserId::from("c1"),
            )
        })
        .collect();
    let _other = hub.subscribe(all(Watcher::Admin), &UserId::from("a1"));
    assert_eq!(hub.subscribers(), STREAMS_PER_USER + 1);
    assert!(
        first
            .events
            .try_recv()
            .is_err_and(|e| e == mpsc::error::TryRecvError::Empty)
    );
    let _newest = hub.subscribe(
        all(Watcher::Customer { id: "c1".into() }),
        &UserId::from("c1"),
    );
    assert_eq!(hub.subscribers(), STREAMS_PER_USER + 1);
    assert!(matches!(
        first.events.try_recv(),
        Err(mpsc::error::TryRecvError::Disconnected)
    ));
    assert!(matches!(
        rest[0].events.try_recv(),
        Err(mpsc::error::TryRecvError::Empty)
    ));
}

#[test]
fn ephemeral_events_pack_into_notifications_under_the_limit() {
    let wire = |n: usize| Wire {
        name: "job:location-updated".into(),
        job: format!("job-{n}"),
        data: format!(r#"{{"job":"job-{n}","lat":51.5,"lng":-0.12,"accuracy_m":10.0,"at":1}}"#),
        customer: "c1".into(),
        mechanic: None,
    };
    let payloads = pack("me", (0..100).map(wire).collect());
    assert!(payloads.len() > 1, "100 fixes do not fit one notification");
    let mut seen = Vec::new();
    for p in &payloads {
        assert!(p.len() < NOTIFY_PAYLOAD_MAX, "{}", p.len());
        let batch: WireBatch = serde_json::from_str(p).unwrap();
        assert_eq!(batch.from, "me");
        seen.extend(batch.events.into_iter().map(|e| e.event().unwrap().job_id));
    }
    let want: Vec<String> = (0..100).map(|n| format!("job-{n}")).collect();
    assert_eq!(seen, want, "every event once, in order");
    // Told apart by the start of the payload, exactly.
    assert!(from_self(&payloads[0], "me"));
    assert!(!from_self(&pack("me-too", vec![wire(1)])[0], "me"));
    // An instance ignores what it sent itself.
    let hub = Hub::new(8);
    let mut admin = hub.subscribe(all(Watcher::Admin), &UserId::from("a1"));
    for p in pack(&hub.inner.instance, vec![wire(1)]) {
        hub.heard_ephemeral(&p);
    }
    assert_eq!(received(&mut admin), 0);
    for p in pack("another", vec![wire(1), wire(2)]) {
        hub.heard_ephemeral(&p);
    }
    assert_eq!(received(&mut admin), 2);
}

#[tokio::test]
async fn a_sessions_change_wakes_only_that_users_streams() {
    let hub = Hub::new(8);
    let ann = hub.subscribe(
        all(Watcher::Customer { id: "c1".into() }),
        &UserId::from("c1"),
    );
    let ben = hub.subscribe(
        all(Watcher::Customer { id: "c2".into() }),
        &UserId::from("c2"),
    );
    hub.recheck_streams_of(&UserId::from("c1"));
    let woke = |s: &Subscription| {
        let n = s.recheck.clone();
        async move {
            tokio::time::timeout(Duration::from_millis(50), n.notified())
                .await
                .is_ok()
        }
    };
    assert!(woke(&ann).await);
    assert!(!woke(&ben).await);
}
