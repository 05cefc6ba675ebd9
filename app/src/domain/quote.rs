//! A mechanic's quote for a job: line items, the total the server computes, and its life.

use super::{
    AppError,
    mechanic::Skill,
    money::{Currency, MAX_CENTS, Money, PriceError},
};
use crate::domain::Timestamp;
use crate::domain::text::collapse_spaces;
use crate::domain::text_enum::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum LineKind {
        Labour = "labour",
        Parts = "parts",
        Fee = "fee",
    }
}

impl LineKind {
    pub fn label(self) -> &'static str {
        match self {
            LineKind::Labour => "Labour",
            LineKind::Parts => "Parts",
            LineKind::Fee => "Call-out fee",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    pub kind: LineKind,
    pub description: String,
    pub amount: Money,
}

text_enum! {
    /// A quote's own state. "Expired" is not stored: a live quote past its
    /// `expires_at` simply can no longer be accepted.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum QuoteStatus {
        Live = "live",
        Accepted = "accepted",
        Declined = "declined",
        Withdrawn = "withdrawn",
    }
}

pub const MAX_ITEMS: usize = 20;
pub const ITEM_DESCRIPTION_MAX_CHARS: usize = 120;
pub const NOTE_MAX_CHARS: usize = 1000;
pub const ARRIVAL_MINUTES_MAX: u32 = 24 * 60;
pub const VALID_HOURS_MAX: u32 = 7 * 24;

/// One line of the quote form as typed. Rows left entirely blank are skipped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LineInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub description: String,
    /// A price as typed: `45`, `45.50`.
    #[serde(default)]
    pub amount: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QuoteForm {
    pub items: Vec<LineInput>,
    pub note: String,
    pub arrival_minutes: String,
    /// How long the customer has to accept, in hours.
    pub valid_hours: String,
}

/// A checked quote with the total computed from its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct NewQuote {
    pub items: Vec<LineItem>,
    pub total: Money,
    pub note: Option<String>,
    pub arrival_minutes: u32,
    pub expires_at: Timestamp,
}

impl QuoteForm {
    pub fn parse(&self, now: Timestamp) -> Result<NewQuote, AppError> {
        let currency = Currency::PLATFORM;
        let mut items = Vec::new();
        for (i, line) in self.items.iter().enumerate() {
            let n = i + 1;
            let description = collapse_spaces(&line.description);
            if description.is_empty() && line.amount.trim().is_empty() {
                continue;
            }
            let kind = LineKind::parse(line.kind.trim()).ok_or_else(|| {
                AppError::invalid("items", format!("Line {n}: choose labour, parts or fee."))
            })?;
            if description.is_empty() {
                return Err(AppError::invalid(
                    "items",
                    format!(
                        "Line {n}: say what the {} is for.",
                        // ASCII, and no Unicode case tables in the browser.
                        kind.label().to_ascii_lowercase()
                    ),
                ));
            }
            if description.chars().count() > ITEM_DESCRIPTION_MAX_CHARS {
                return Err(AppError::invalid(
                    "items",
                    format!(
                        "Line {n}: keep the description to {ITEM_DESCRIPTION_MAX_CHARS} characters."
                    ),
                ));
            }
            let amount = match Money::parse(&line.amount, currency) {
                Ok(m) if m.cents <= MAX_CENTS => m,
                Err(PriceError::Comma) => {
                    return Err(AppError::invalid(
                        "items",
                        format!(
                            "Line {n}: use a point for pence, e.g. 45.50 (a comma only separates thousands, as in 1,045.50)."
                        ),
                    ));
                }
                _ => {
                    return Err(AppError::invalid(
                        "items",
                        format!("Line {n}: enter the price in pounds, e.g. 45.00."),
                    ));
                }
            };
            items.push(LineItem {
                kind,
                description,
                amount,
            });
        }
        if items.is_empty() {
            return Err(AppError::invalid(
                "items",
                "Add at least one line: the labour, parts or fee you are charging.",
            ));
        }
        if items.len() > MAX_ITEMS {
            return Err(AppError::invalid(
                "items",
                format!("A quote has at most {MAX_ITEMS} lines."),
            ));
        }
        let total = total_of(&items, currency)
            .filter(|t| t.cents <= MAX_CENTS)
            .ok_or_else(|| {
                AppError::invalid("items", "That total is more than a single job can be.")
            })?;
        if total.cents == 0 {
            return Err(AppError::invalid("items", "A quote cannot total £0.00."));
        }
        let note = self.note.trim();
        if note.chars().count() > NOTE_MAX_CHARS {
            return Err(AppError::invalid(
                "note",
                format!("Keep the note to {NOTE_MAX_CHARS} characters or fewer."),
            ));
        }
        let arrival_minutes = self
            .arrival_minutes
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|m| (1..=ARRIVAL_MINUTES_MAX).contains(m))
            .ok_or_else(|| {
                AppError::invalid(
                    "arrival_minutes",
                    format!("Enter how many minutes until you can be there, from 1 to {ARRIVAL_MINUTES_MAX}."),
                )
            })?;
        let valid_hours = self
            .valid_hours
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|h| (1..=VALID_HOURS_MAX).contains(h))
            .ok_or_else(|| {
                AppError::invalid(
                    "valid_hours",
                    format!("Enter how many hours the quote stands, from 1 to {VALID_HOURS_MAX}."),
                )
            })?;
        Ok(NewQuote {
            items,
            total,
            note: (!note.is_empty()).then(|| note.to_owned()),
            arrival_minutes,
            expires_at: now + i64::from(valid_hours) * 3_600_000,
        })
    }
}

/// The sum of the lines: the only way a quote's total is ever made.
pub fn total_of(items: &[LineItem], currency: Currency) -> Option<Money> {
    items
        .iter()
        .try_fold(Money::zero(currency), |sum, i| sum.checked_add(i.amount))
}

/// The mechanic behind a quote, as a customer compares them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MechanicCard {
    pub id: super::UserId,
    pub display_name: String,
    pub skills: Vec<Skill>,
    pub years_experience: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteView {
    pub id: super::QuoteId,
    pub job_id: super::JobId,
    pub mechanic: MechanicCard,
    pub status: QuoteStatus,
    pub items: Vec<LineItem>,
    pub total: Money,
    pub note: Option<String>,
    pub arrival_minutes: u32,
    pub expires_at: Timestamp,
    /// Live but past `expires_at` when the server made this view: it can no
    /// longer be accepted. Decided on the server, so every page agrees.
    pub expired: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl QuoteView {
    /// Live and not expired: the customer may accept it.
    pub fn is_open(&self) -> bool {
        self.status == QuoteStatus::Live && !self.expired
    }
}

/// `45 min`, `1 h 30 min`.
pub fn minutes_words(m: u32) -> String {
    match (m / 60, m % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(kind: &str, description: &str, amount: &str) -> LineInput {
        LineInput {
            kind: kind.into(),
            description: description.into(),
            amount: amount.into(),
        }
    }

    fn form() -> QuoteForm {
        QuoteForm {
            items: vec![
                line("labour", "Replace front pads", "60"),
                line("parts", "Brake pads (pair)", "34.99"),
                line("fee", "Call-out", "15.50"),
                line("labour", "", ""),
            ],
            note: " Genuine parts. ".into(),
            arrival_minutes: "45".into(),
            valid_hours: "24".into(),
        }
    }

    fn error_of(f: QuoteForm) -> (String, String) {
        match f.parse(Timestamp::EPOCH) {
            Err(AppError::Invalid { field, message }) => (field, message),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn the_total_is_the_sum_of_the_lines() {
        let q = form().parse(Timestamp::from_millis(1_000)).unwrap();
        assert_eq!(q.items.len(), 3, "the blank row is skipped");
        assert_eq!(q.total, Money::new(6000 + 3499 + 1550, Currency::Gbp));
        assert_eq!(q.note.as_deref(), Some("Genuine parts."));
        assert_eq!(q.expires_at.millis(), 1_000 + 24 * 3_600_000);
        assert_eq!(
            total_of(&[], Currency::Gbp),
            Some(Money::zero(Currency::Gbp))
        );
    }

    #[test]
    fn bad_lines_name_their_row() {
        let with = |items: Vec<LineInput>| QuoteForm { items, ..form() };
        let (field, msg) = error_of(with(vec![
            line("labour", "Pads", "60"),
            line("tip", "x", "5"),
        ]));
        assert_eq!(field, "items");
        assert!(msg.starts_with("Line 2"), "{msg}");
        assert!(
            error_of(with(vec![line("parts", "", "5")]))
                .1
                .contains("parts")
        );
        assert!(
            error_of(with(vec![line("parts", "Pads", "-5")]))
                .1
                .contains("price")
        );
        assert!(
            error_of(with(vec![line("parts", "Pads", "4.999")]))
                .1
                .contains("price")
        );
        assert!(
            error_of(with(vec![line("parts", "Pads", "100000.01")]))
                .1
                .contains("price")
        );
        let (_, comma) = error_of(with(vec![line("parts", "Pads", "45,00")]));
        assert!(comma.contains("use a point for pence"), "{comma}");
        assert!(
            with(vec![line("parts", "Pads", "1,045.00")])
                .parse(Timestamp::EPOCH)
                .is_ok()
        );
        assert!(error_of(with(vec![])).1.contains("at least one"));
        assert!(
            error_of(with(vec![line("fee", "Free look", "0")]))
                .1
                .contains("£0.00")
        );
        let many = vec![line("parts", "Bolt", "1"); MAX_ITEMS + 1];
        assert!(error_of(with(many)).1.contains("at most"));
        let huge = vec![
            line("parts", "Engine", "100000"),
            line("labour", "Fit", "1"),
        ];
        assert!(error_of(with(huge)).1.contains("more than"));
    }

    #[test]
    fn arrival_and_validity_are_bounded() {
        for (f, field) in [
            (
                QuoteForm {
                    arrival_minutes: "0".into(),
                    ..form()
                },
                "arrival_minutes",
            ),
            (
                QuoteForm {
                    arrival_minutes: "soon".into(),
                    ..form()
                },
                "arrival_minutes",
            ),
            (
                QuoteForm {
                    arrival_minutes: "1441".into(),
                    ..form()
                },
                "arrival_minutes",
            ),
            (
                QuoteForm {
                    valid_hours: "0".into(),
                    ..form()
                },
                "valid_hours",
            ),
            (
                QuoteForm {
                    valid_hours: "169".into(),
                    ..form()
                },
                "valid_hours",
            ),
            (
                QuoteForm {
                    note: "x".repeat(1001),
                    ..form()
                },
                "note",
            ),
        ] {
            assert_eq!(error_of(f.clone()).0, field, "{f:?}");
        }
        assert_eq!(minutes_words(45), "45 min");
        assert_eq!(minutes_words(90), "1 h 30 min");
        assert_eq!(minutes_words(120), "2 h");
    }
}
