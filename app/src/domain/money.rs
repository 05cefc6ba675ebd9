//! Money as whole minor units (pence, cents) with its currency; never a float.

use super::text_enum::text_enum;
use serde::{Deserialize, Serialize};
use std::fmt;

text_enum! {
    /// The currencies prices can be in. One per installation for now (see
    /// [`Currency::PLATFORM`]). The text is the ISO 4217 code in lower case,
    /// as Stripe writes it: `gbp`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Currency {
        Gbp = "gbp",
        Eur = "eur",
        Usd = "usd",
    }
}

impl Currency {
    /// What every price on this platform is quoted in.
    pub const PLATFORM: Currency = Currency::Gbp;

    fn symbol(self) -> &'static str {
        match self {
            Currency::Gbp => "£",
            Currency::Eur => "€",
            Currency::Usd => "$",
        }
    }
}

/// An amount in minor units of one currency. Sums are checked, so an
/// absurd amount is refused rather than wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub cents: i64,
    pub currency: Currency,
}

/// Why a typed price was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceError {
    /// A comma anywhere but between groups of thousands: `45,00`, `1,0`.
    Comma,
    /// Not a non-negative amount with at most two decimals.
    Malformed,
}

/// The most a single line item or quote may be: £100,000.00.
pub const MAX_CENTS: i64 = 10_000_000;

impl Money {
    pub fn new(cents: i64, currency: Currency) -> Self {
        Money { cents, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Money::new(0, currency)
    }

    /// `None` when the currencies differ or the sum overflows.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency)
            .then(|| self.cents.checked_add(other.cents))
            .flatten()
            .map(|cents| Money::new(cents, self.currency))
    }

    /// Reads what a person types as a price: `45`, `45.5`, `45.50`, `£1,045.50`.
    /// At most two decimals; negative amounts are not prices. A comma only
    /// separates thousands: `45,00` is refused, never read as 4,500.
    pub fn parse(raw: &str, currency: Currency) -> Result<Money, PriceError> {
        let s = raw.trim();
        let s = s.strip_prefix(currency.symbol()).unwrap_or(s).trim();
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if frac.contains(',') {
            return Err(PriceError::Comma);
        }
        let whole = if whole.contains(',') {
            let mut groups = whole.split(',');
            let first = groups.next().unwrap_or_default();
            let grouped = (1..=3).contains(&first.len())
                && groups.all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit()));
            if !grouped {
                return Err(PriceError::Comma);
            }
            whole.replace(',', "")
        } else {
            whole.to_owned()
        };
        if whole.is_empty() && frac.is_empty()
            || frac.len() > 2
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
            || whole.len() > 12
        {
            return Err(PriceError::Malformed);
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| PriceError::Malformed)?
        };
        let frac: i64 = format!("{frac:0<2}")
            .parse()
            .map_err(|_| PriceError::Malformed)?;
        whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .map(|cents| Money::new(cents, currency))
            .ok_or(PriceError::Malformed)
    }

    /// The amount as it is typed back into a form: `45.50`.
    pub fn plain(self) -> String {
        format!("{}.{:02}", self.cents / 100, (self.cents % 100).abs())
    }
}

impl fmt::Display for Money {
    /// `£1,045.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.cents < 0 { "-" } else { "" };
        let abs = self.cents.unsigned_abs();
        let whole = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(
            f,
            "{sign}{}{grouped}.{:02}",
            self.currency.symbol(),
            abs % 100
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GBP: Currency = Currency::Gbp;

    #[test]
    fn parses_prices_as_people_type_them() {
        for (raw, cents) in [
            ("45", 4500),
            ("45.5", 4550),
            ("45.50", 4550),
            (" £1,045.05 ", 104_505),
            (".99", 99),
            ("0", 0),
            ("1,234,567.89", 123_456_789),
            ("12,345", 1_234_500),
        ] {
            assert_eq!(Money::parse(raw, GBP), Ok(Money::new(cents, GBP)), "{raw}");
        }
        for bad in [
            "",
            "-5",
            "4.555",
            "12a",
            "1e3",
            "£",
            ".",
            "NaN",
            "9999999999999",
        ] {
            assert_eq!(Money::parse(bad, GBP), Err(PriceError::Malformed), "{bad}");
        }
    }

    #[test]
    fn a_comma_is_only_a_thousands_separator() {
        for bad in [
            "45,00",
            "45,5",
            "1,0",
            ",45",
            "45,",
            "1,2345",
            "1234,567",
            "1,234.5,0",
        ] {
            assert_eq!(Money::parse(bad, GBP), Err(PriceError::Comma), "{bad}");
        }
    }

    #[test]
    fn displays_with_symbol_and_thousands() {
        assert_eq!(Money::new(104_505, GBP).to_string(), "£1,045.05");
        assert_eq!(Money::new(5, GBP).to_string(), "£0.05");
        assert_eq!(
            Money::new(123_456_789, Currency::Eur).to_string(),
            "€1,234,567.89"
        );
        assert_eq!(Money::new(-250, GBP).to_string(), "-£2.50");
        assert_eq!(Money::new(4550, GBP).plain(), "45.50");
    }

    #[test]
    fn sums_are_checked_and_never_mix_currencies() {
        let a = Money::new(1999, GBP);
        assert_eq!(
            a.checked_add(Money::new(1, GBP)),
            Some(Money::new(2000, GBP))
        );
        assert_eq!(a.checked_add(Money::new(1, Currency::Usd)), None);
        assert_eq!(
            Money::new(i64::MAX, GBP).checked_add(Money::new(1, GBP)),
            None
        );
        assert_eq!(Currency::parse("gbp"), Some(GBP));
        assert_eq!(Currency::parse("xyz"), None);
    }
}
