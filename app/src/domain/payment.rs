//! Payments as both sides see them: where a payment stands, what a
//! receipt shows, and the rules for lowering a capture or refunding.

use super::{AppError, JobId, PaymentId, Timestamp, money::Money};
use crate::domain::text_enum::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// Where one attempt to pay for a quote stands.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum PaymentStatus {
        /// Claimed; the provider has not answered yet.
        Starting = "starting",
        /// The bank wants the customer to confirm (3-D Secure) in the page.
        RequiresAction = "requires_action",
        /// The amount is held on the card; the job is booked.
        Authorized = "authorized",
        /// Taken when the job was done.
        Captured = "captured",
        PartiallyRefunded = "partially_refunded",
        Refunded = "refunded",
        /// The hold was let go (the job was cancelled before work started).
        Released = "released",
        /// Declined or abandoned; nothing was held. Another card may be tried.
        Failed = "failed",
    }
}

impl PaymentStatus {
    /// What a customer or mechanic reads on the job page.
    pub fn label(self) -> &'static str {
        match self {
            PaymentStatus::Starting | PaymentStatus::RequiresAction => "Payment pending",
            PaymentStatus::Authorized => "Payment authorized",
            PaymentStatus::Captured => "Paid",
            PaymentStatus::PartiallyRefunded => "Paid, partly refunded",
            PaymentStatus::Refunded => "Refunded",
            PaymentStatus::Released => "Payment released",
            PaymentStatus::Failed => "Payment failed",
        }
    }

    /// Money has been taken (and maybe partly given back).
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            PaymentStatus::Captured | PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded
        )
    }
}

/// The card a payment was made with, as the provider describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardSummary {
    pub brand: String,
    pub last4: String,
}

/// One job's payment as its customer, its mechanic and admins see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentView {
    pub id: PaymentId,
    pub job_id: JobId,
    pub status: PaymentStatus,
    /// Held on the card when the quote was accepted.
    pub authorized: Money,
    pub captured: Money,
    pub refunded: Money,
    pub card: Option<CardSummary>,
    /// Made in the demo payment mode: no card was charged.
    pub demo: bool,
    /// Why less than the authorized amount was taken.
    pub adjust_reason: Option<String>,
    pub disputed: bool,
    pub authorized_at: Option<Timestamp>,
    pub captured_at: Option<Timestamp>,
}

/// How long a card issuer keeps an authorization: Stripe's 7 days for an
/// online card payment, after which the hold lapses and nothing can be taken.
pub const HOLD_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// Within this of the end, an admin is warned (the job should be finished,
/// or the customer asked to pay again).
pub const HOLD_WARNING_MS: i64 = 24 * 60 * 60 * 1000;

impl PaymentView {
    /// When the hold lapses, while the amount is only held.
    pub fn hold_ends_at(&self) -> Option<Timestamp> {
        match (self.status, self.authorized_at) {
            (PaymentStatus::Authorized, Some(at)) => Some(at + HOLD_MS),
            _ => None,
        }
    }

    /// The hold lapses within a day of `now` (or has lapsed).
    pub fn hold_ending(&self, now: Timestamp) -> bool {
        self.hold_ends_at()
            .is_some_and(|end| end.millis() - now.millis() <= HOLD_WARNING_MS)
    }

    /// What is still refundable.
    pub fn refundable(&self) -> Money {
        Money::new(
            (self.captured.cents - self.refunded.cents).max(0),
            self.captured.currency,
        )
    }
}

/// A payment in the admin console's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminPayment {
    pub payment: PaymentView,
    /// The job's kind of work and area, e.g. "Brakes, Camden, London".
    pub job_title: String,
    pub customer: String,
    pub mechanic: String,
    pub created_at: Timestamp,
}

/// One page of the admin console's payments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentPage {
    pub payments: Vec<AdminPayment>,
    pub total: i64,
    pub paging: super::admin::Paging,
}

/// One line of a payment's history: this app's own calls to the provider
/// and the provider's webhook events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentEvent {
    pub at: Timestamp,
    /// `authorized`, `captured`, `refund`, `released`, `failed`, or a
    /// Stripe event type such as `charge.refunded`.
    pub kind: String,
    pub amount: Option<Money>,
    pub detail: Option<String>,
    /// Who did it, when a person did.
    pub actor: Option<String>,
}

impl PaymentEvent {
    /// Whether Stripe told us (a webhook) rather than this app doing it.
    pub fn from_stripe(&self) -> bool {
        self.kind.contains('.')
    }
}

/// A payment with its history, for an admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentDetail {
    pub summary: AdminPayment,
    pub history: Vec<PaymentEvent>,
}

impl PaymentDetail {
    /// The id the next refund request carries: the same until a refund
    /// succeeds, so a double click or a resend refunds once.
    pub fn next_refund_request(&self) -> String {
        let done = self.history.iter().filter(|e| e.kind == "refund").count();
        format!("refund-{}", done + 1)
    }
}

/// What the page needs to take a card for a quote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Checkout {
    /// Stripe: load Stripe.js from `js_url`, mount the card form, confirm
    /// the card with `client_secret` (a SetupIntent's), then accept.
    Stripe {
        publishable_key: String,
        js_url: String,
        setup_secret: String,
        amount: Money,
    },
    /// No Stripe keys on this server: the flow runs, no card is charged.
    Demo { amount: Money },
}

/// The amount to take at completion: the authorized amount, or less with
/// a reason. Never more: that would need a new authorization.
pub fn final_amount(
    authorized: Money,
    requested_cents: Option<i64>,
    reason: Option<&str>,
) -> Result<(Money, Option<String>), AppError> {
    let Some(cents) = requested_cents.filter(|c| *c != authorized.cents) else {
        return Ok((authorized, None));
    };
    if cents <= 0 {
        return Err(AppError::invalid(
            "final_amount",
            "The final amount must be more than zero.",
        ));
    }
    if cents > authorized.cents {
        return Err(AppError::invalid(
            "final_amount",
            format!(
                "The final amount cannot be more than the {} the customer authorized.",
                authorized
            ),
        ));
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let Some(reason) = reason else {
        return Err(AppError::invalid(
            "adjust_reason",
            "Say why the final amount is lower than the quote.",
        ));
    };
    if reason.chars().count() > 500 {
        return Err(AppError::invalid(
            "adjust_reason",
            "Keep the reason under 500 characters.",
        ));
    }
    Ok((
        Money::new(cents, authorized.currency),
        Some(reason.to_owned()),
    ))
}

/// The card form's Stripe PaymentMethod id (`pm_…`), if one was sent;
/// anything else is refused before Stripe is asked.
pub fn parse_payment_method(raw: Option<&str>) -> Result<Option<&str>, AppError> {
    let Some(pm) = raw.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let well_formed = pm.len() <= 255
        && pm.strip_prefix("pm_").is_some_and(|rest| {
            !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    if !well_formed {
        return Err(AppError::invalid(
            "payment_method",
            "That card could not be read. Enter it again.",
        ));
    }
    Ok(Some(pm))
}

/// Checks a refund against what is left to refund.
pub fn refund_amount(
    refundable: Money,
    requested_cents: Option<i64>,
    reason: &str,
) -> Result<(Money, String), AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "Say why you are refunding."));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::invalid(
            "reason",
            "Keep the reason under 500 characters.",
        ));
    }
    if refundable.cents <= 0 {
        return Err(AppError::conflict(
            "Nothing is left to refund on this payment.",
        ));
    }
    let cents = requested_cents.unwrap_or(refundable.cents);
    if cents <= 0 || cents > refundable.cents {
        return Err(AppError::invalid(
            "amount",
            format!(
                "Refund between {} and {}.",
                Money::new(1, refundable.currency),
                refundable
            ),
        ));
    }
    Ok((Money::new(cents, refundable.currency), reason.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbp(cents: i64) -> Money {
        Money::new(cents, crate::domain::money::Currency::Gbp)
    }

    #[test]
    fn the_final_amount_is_the_authorized_one_unless_lowered_with_a_reason() {
        assert_eq!(
            final_amount(gbp(9000), None, None).unwrap(),
            (gbp(9000), None)
        );
        assert_eq!(
            final_amount(gbp(9000), Some(9000), None).unwrap(),
            (gbp(9000), None)
        );
        assert_eq!(
            final_amount(gbp(9000), Some(7500), Some(" fewer parts ")).unwrap(),
            (gbp(7500), Some("fewer parts".to_owned()))
        );
        let no_reason = final_amount(gbp(9000), Some(7500), Some("  ")).unwrap_err();
        assert!(no_reason.for_field("adjust_reason").is_some());
    }

    #[test]
    fn the_final_amount_is_never_raised_nor_zero() {
        let more = final_amount(gbp(9000), Some(9001), Some("extra work")).unwrap_err();
        assert!(more.for_field("final_amount").unwrap().contains("£90.00"));
        assert!(final_amount(gbp(9000), Some(0), Some("x")).is_err());
        assert!(final_amount(gbp(9000), Some(-5), Some("x")).is_err());
    }

    #[test]
    fn only_a_payment_method_id_reaches_stripe() {
        assert_eq!(parse_payment_method(None).unwrap(), None);
        assert_eq!(parse_payment_method(Some("  ")).unwrap(), None);
        assert_eq!(
            parse_payment_method(Some(" pm_1Abc_2 ")).unwrap(),
            Some("pm_1Abc_2")
        );
        for bad in ["bogus", "pm_", "pm_a/b", "tok_visa", "pm_a b"] {
            assert!(parse_payment_method(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn refunds_stay_within_what_was_taken_and_need_a_reason() {
        assert_eq!(
            refund_amount(gbp(5000), None, "no show").unwrap().0,
            gbp(5000)
        );
        assert_eq!(
            refund_amount(gbp(5000), Some(1200), "part").unwrap().0,
            gbp(1200)
        );
        assert!(refund_amount(gbp(5000), Some(5001), "too much").is_err());
        assert!(refund_amount(gbp(5000), Some(0), "zero").is_err());
        assert!(
            refund_amount(gbp(5000), None, " ")
                .unwrap_err()
                .for_field("reason")
                .is_some()
        );
        assert!(matches!(
            refund_amount(gbp(0), None, "again").unwrap_err(),
            AppError::Conflict { .. }
        ));
    }

    fn held(at: i64) -> PaymentView {
        PaymentView {
            id: "p".into(),
            job_id: JobId::from("j"),
            status: PaymentStatus::Authorized,
            authorized: gbp(9000),
            captured: gbp(0),
            refunded: gbp(0),
            card: None,
            demo: false,
            adjust_reason: None,
            disputed: false,
            authorized_at: Some(Timestamp::from_millis(at)),
            captured_at: None,
        }
    }

    #[test]
    fn a_hold_is_flagged_in_its_last_day_and_only_while_held() {
        let p = held(0);
        assert_eq!(p.hold_ends_at(), Some(Timestamp::from_millis(HOLD_MS)));
        assert!(!p.hold_ending(Timestamp::from_millis(HOLD_MS - HOLD_WARNING_MS - 1)));
        assert!(p.hold_ending(Timestamp::from_millis(HOLD_MS - HOLD_WARNING_MS)));
        assert!(p.hold_ending(Timestamp::from_millis(HOLD_MS + 1)));
        let taken = PaymentView {
            status: PaymentStatus::Captured,
            ..held(0)
        };
        assert_eq!(taken.hold_ends_at(), None);
        assert!(!taken.hold_ending(Timestamp::from_millis(HOLD_MS + 1)));
    }

    #[test]
    fn paid_statuses() {
        assert!(PaymentStatus::Captured.is_paid());
        assert!(PaymentStatus::Refunded.is_paid());
        assert!(!PaymentStatus::Authorized.is_paid());
        assert_eq!(
            PaymentStatus::parse("partially_refunded"),
            Some(PaymentStatus::PartiallyRefunded)
        );
    }
}
