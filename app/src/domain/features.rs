//! Feature flags: a switched-off feature is hidden in the UI, its endpoints
//! answer 404 and its stream events are not sent.
//!
//! Only features that exist have a flag, so a setting never promises what
//! the server cannot do.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Feature {
    /// The booked mechanic's position and arrival estimate on the
    /// customer's job page, the phone sharing it, and the admin map's
    /// mechanics.
    RealtimeTracking,
    /// Card payments: authorised when a quote is accepted, taken when the
    /// job is done. Off: booking is free and nothing of payments shows.
    Payments,
    /// Conversations between a customer and the mechanics on their job.
    /// Off: no chat shows and its endpoints answer 404.
    Messaging,
    /// Photos of a job: the customer's of the problem, the mechanic's of
    /// the work. Off: no gallery shows and its endpoints answer 404.
    Photos,
    /// Notifications sent to the devices users turned them on for (Web
    /// Push). Off: the notification centre still lists everything; no
    /// device is offered push or sent one.
    PushNotifications,
}

impl Feature {
    pub const ALL: [Feature; 5] = [
        Feature::RealtimeTracking,
        Feature::Payments,
        Feature::Messaging,
        Feature::Photos,
        Feature::PushNotifications,
    ];

    /// The environment variable that switches this feature.
    pub fn env_var(self) -> &'static str {
        match self {
            Feature::RealtimeTracking => "ENABLE_REALTIME_TRACKING",
            Feature::Payments => "ENABLE_PAYMENTS",
            Feature::Messaging => "ENABLE_MESSAGING",
            Feature::Photos => "ENABLE_PHOTOS",
            Feature::PushNotifications => "ENABLE_PUSH_NOTIFICATIONS",
        }
    }

    /// Another name the same switch answers to: the product plan's
    /// `ENABLE_PHOTO_UPLOADS` for photos.
    pub fn alias(self) -> Option<&'static str> {
        match self {
            Feature::Photos => Some("ENABLE_PHOTO_UPLOADS"),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Feature::RealtimeTracking => "Live job tracking",
            Feature::Payments => "Card payments",
            Feature::Messaging => "Messaging",
            Feature::Photos => "Photos",
            Feature::PushNotifications => "Push notifications",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureFlags {
    pub realtime_tracking: bool,
    pub payments: bool,
    pub messaging: bool,
    pub photos: bool,
    pub push_notifications: bool,
}

impl Default for FeatureFlags {
    fn default() -> Self {
        Self {
            realtime_tracking: true,
            payments: true,
            messaging: true,
            photos: true,
            push_notifications: true,
        }
    }
}

impl FeatureFlags {
    /// Everything off: what the UI assumes when it cannot ask the server.
    pub fn none() -> Self {
        Self {
            realtime_tracking: false,
            payments: false,
            messaging: false,
            photos: false,
            push_notifications: false,
        }
    }

    pub fn enabled(&self, f: Feature) -> bool {
        *self.slot(f)
    }

    pub fn set(&mut self, f: Feature, on: bool) {
        *self.slot_mut(f) = on;
    }

    fn slot(&self, f: Feature) -> &bool {
        match f {
            Feature::RealtimeTracking => &self.realtime_tracking,
            Feature::Payments => &self.payments,
            Feature::Messaging => &self.messaging,
            Feature::Photos => &self.photos,
            Feature::PushNotifications => &self.push_notifications,
        }
    }

    fn slot_mut(&mut self, f: Feature) -> &mut bool {
        match f {
            Feature::RealtimeTracking => &mut self.realtime_tracking,
            Feature::Payments => &mut self.payments,
            Feature::Messaging => &mut self.messaging,
            Feature::Photos => &mut self.photos,
            Feature::PushNotifications => &mut self.push_notifications,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_on_by_default_and_switchable() {
        let mut flags = FeatureFlags::default();
        assert!(Feature::ALL.iter().all(|f| flags.enabled(*f)));
        flags.set(Feature::RealtimeTracking, false);
        assert!(!flags.enabled(Feature::RealtimeTracking));
        flags.set(Feature::Payments, false);
        flags.set(Feature::Messaging, false);
        flags.set(Feature::Photos, false);
        flags.set(Feature::PushNotifications, false);
        assert_eq!(flags, FeatureFlags::none());
    }
}
