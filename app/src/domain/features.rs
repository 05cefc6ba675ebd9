//! Feature flags: a disabled feature is hidden in the UI and refused by the server.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Feature {
    RealtimeTracking,
    Payments,
    PushNotifications,
    Messaging,
    PhotoUploads,
}

impl Feature {
    pub const ALL: [Feature; 5] = [
        Feature::RealtimeTracking,
        Feature::Payments,
        Feature::PushNotifications,
        Feature::Messaging,
        Feature::PhotoUploads,
    ];

    /// The environment variable that switches this feature.
    pub fn env_var(self) -> &'static str {
        match self {
            Feature::RealtimeTracking => "ENABLE_REALTIME_TRACKING",
            Feature::Payments => "ENABLE_PAYMENTS",
            Feature::PushNotifications => "ENABLE_PUSH_NOTIFICATIONS",
            Feature::Messaging => "ENABLE_MESSAGING",
            Feature::PhotoUploads => "ENABLE_PHOTO_UPLOADS",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Feature::RealtimeTracking => "Live job tracking",
            Feature::Payments => "Payments",
            Feature::PushNotifications => "Push notifications",
            Feature::Messaging => "Messaging",
            Feature::PhotoUploads => "Photo uploads",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureFlags {
    pub realtime_tracking: bool,
    pub payments: bool,
    pub push_notifications: bool,
    pub messaging: bool,
    pub photo_uploads: bool,
}

impl Default for FeatureFlags {
    fn default() -> Self {
        Self {
            realtime_tracking: true,
            payments: true,
            push_notifications: true,
            messaging: true,
            photo_uploads: true,
        }
    }
}

impl FeatureFlags {
    /// Everything off: what the UI assumes when it cannot ask the server.
    pub fn none() -> Self {
        Self {
            realtime_tracking: false,
            payments: false,
            push_notifications: false,
            messaging: false,
            photo_uploads: false,
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
            Feature::PushNotifications => &self.push_notifications,
            Feature::Messaging => &self.messaging,
            Feature::PhotoUploads => &self.photo_uploads,
        }
    }

    fn slot_mut(&mut self, f: Feature) -> &mut bool {
        match f {
            Feature::RealtimeTracking => &mut self.realtime_tracking,
            Feature::Payments => &mut self.payments,
            Feature::PushNotifications => &mut self.push_notifications,
            Feature::Messaging => &mut self.messaging,
            Feature::PhotoUploads => &mut self.photo_uploads,
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
        flags.set(Feature::Payments, false);
        assert!(!flags.enabled(Feature::Payments));
        assert!(flags.enabled(Feature::Messaging));
    }
}
